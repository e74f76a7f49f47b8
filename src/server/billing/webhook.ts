/**
 * `POST /api/stripe/webhook` (PRODUCT.md 14): the signature is checked on the raw body (Stripe's
 * default 5-minute tolerance refuses replays), then the event is stored and its `stripe.apply` job
 * queued in one transaction, and Stripe gets its 200 at once. Applying is the worker's job, so a
 * slow or stopped worker never makes Stripe wait or give up: the job waits in PostgreSQL.
 */
import type { PgBoss } from "pg-boss";
import Stripe from "stripe";
import type { Db } from "../db.ts";
import { logger } from "../logger.ts";
import { recordStripeEvent } from "../domain/billing/stripe-events.ts";

export interface WebhookDeps {
  /** Getters, so a server without Stripe keys answers 404 without touching the database. */
  db: () => Db;
  boss: () => Promise<PgBoss>;
  /** STRIPE_WEBHOOK_SECRET; null when payments are not configured. */
  secret: string | null;
}

function errorResponse(status: number, code: string, message: string) {
  return Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });
}

const MAX_BODY_BYTES = 1024 * 1024;

// Verification needs no key: the webhook secret does it.
const verifier = new Stripe("sk_unused_for_webhook_verification");

export async function handleStripeWebhook(deps: WebhookDeps, req: Request): Promise<Response> {
  if (!deps.secret) return errorResponse(404, "payments_not_configured", "Payments are not configured on this server.");
  // Stripe's events are a few kilobytes; anything this large is not one of them.
  if (Number(req.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return errorResponse(413, "payload_too_large", "The body is too large for a Stripe event.");
  const signature = req.headers.get("stripe-signature");
  // The exact bytes Stripe signed: any parsing or re-encoding first would break the signature.
  const body = await req.text();
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) return errorResponse(413, "payload_too_large", "The body is too large for a Stripe event.");
  if (!signature) return errorResponse(400, "invalid_signature", "The Stripe-Signature header is missing.");
  let event: Stripe.Event;
  try {
    event = verifier.webhooks.constructEvent(body, signature, deps.secret);
  } catch (error) {
    const message = error instanceof Error ? error.message : "The signature does not match.";
    logger.warn({ component: "stripe", reason: message }, "refused a Stripe webhook");
    return errorResponse(400, "invalid_signature", message);
  }
  if (typeof event.id !== "string" || typeof event.type !== "string" || typeof event.created !== "number" || !event.data?.object) {
    return errorResponse(400, "invalid_event", "The event is not a Stripe event.");
  }
  const { stored } = await recordStripeEvent(deps.db(), await deps.boss(), event);
  return Response.json({ received: true, duplicate: !stored }, { headers: { "cache-control": "no-store" } });
}
