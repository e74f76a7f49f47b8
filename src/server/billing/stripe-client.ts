/**
 * The one Stripe client of a process (PRODUCT.md 14), built from the environment: the secret key,
 * and STRIPE_API_BASE when set (a local stand-in in tests and demos). Every call Pantheon makes to
 * Stripe goes through the official SDK with this client.
 */
import Stripe from "stripe";
import type { Db } from "../db.ts";
import { env } from "../env.ts";
import { AppError } from "../errors.ts";
import { logger } from "../logger.ts";

export interface StripeClientOptions {
  secretKey: string;
  /** Another API endpoint, e.g. `http://127.0.0.1:4242` (Stripe's own when unset). */
  apiBase?: string;
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : null;
  return new Stripe(options.secretKey, {
    // One retry (with the same idempotency key the SDK adds to POSTs): a page waits at most twice.
    maxNetworkRetries: 1,
    timeout: 15_000,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === "https:" ? 443 : 80),
          protocol: base.protocol === "http:" ? ("http" as const) : ("https" as const),
        }
      : {}),
    appInfo: { name: "Pantheon" },
  });
}

const globalForStripe = globalThis as unknown as { pantheonStripe?: Stripe };

/** This process's client, or a `payments_not_configured` refusal when the server has no keys. */
export function getStripe(): Stripe {
  if (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET) {
    throw new AppError("payments_not_configured", "Payments are not configured on this server.");
  }
  globalForStripe.pantheonStripe ??= createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE });
  return globalForStripe.pantheonStripe;
}

/**
 * Runs a Stripe call; a failure becomes `payment_provider_error` with Stripe's own message for a
 * refusal (it never contains the key) and a generic one for network trouble. The full error is logged.
 */
export async function callStripe<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AppError) throw error;
    logger.warn({ err: error, component: "stripe", call: what }, "Stripe call failed");
    const stripeError = error instanceof Stripe.errors.StripeError ? error : null;
    const reachable = stripeError && !(stripeError instanceof Stripe.errors.StripeConnectionError);
    const message = reachable
      ? `The payment provider refused to ${what}: ${redact(stripeError.message)}`
      : `The payment provider could not be reached to ${what}. Try again in a moment.`;
    throw new AppError("payment_provider_error", message, stripeError?.code ? { providerCode: stripeError.code } : undefined, { cause: error });
  }
}

/** Stripe messages can quote a key prefix ("Invalid API Key provided: sk_test_****1234"). */
function redact(message: string): string {
  return message.replace(/\b(sk|rk|pk|whsec)_[A-Za-z0-9_*]+/g, "[redacted]");
}

export interface CustomerOwner {
  id: string;
  email: string | null;
  name: string | null;
  stripeCustomerId: string | null;
}

/**
 * The user's Stripe customer, created on first use. Two racing requests make one customer: the
 * create carries the idempotency key `customer-<userId>` (Stripe answers both with the same
 * customer), and the id is stored with a conditional update, so the first stored id wins.
 */
export async function customerFor(db: Db, stripe: Stripe, user: CustomerOwner): Promise<string> {
  if (user.stripeCustomerId) return user.stripeCustomerId;
  const customer = await callStripe("create your customer record", () =>
    stripe.customers.create(
      { email: user.email ?? undefined, name: user.name ?? undefined, metadata: { userId: user.id } },
      { idempotencyKey: `customer-${user.id}` },
    ),
  );
  await db.user.updateMany({ where: { id: user.id, stripeCustomerId: null }, data: { stripeCustomerId: customer.id } });
  const stored = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { stripeCustomerId: true } });
  return stored.stripeCustomerId ?? customer.id;
}
