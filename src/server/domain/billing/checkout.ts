/**
 * Paying through Stripe (PRODUCT.md 14): Checkout for a plan (mode subscription) or a credit pack
 * (mode payment), the customer portal to change or cancel, and the user's recent invoices. Nothing
 * here changes a plan or a balance: that happens only when Stripe's webhook events are applied
 * (stripe-events.ts), so a page that is closed mid-payment cannot grant anything.
 */
import type Stripe from "stripe";
import { z } from "zod";
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";
import { callStripe, customerFor } from "../../billing/stripe-client.ts";
import { getCreditPacks } from "./credit-packs.ts";
import { planForUser, subscriptionGivesPlan } from "./plans.ts";

export const checkoutInput = z.union([z.object({ planId: z.uuid() }).strict(), z.object({ packId: z.string().min(1).max(40) }).strict()]);
export type CheckoutInput = z.infer<typeof checkoutInput>;

export interface PaymentsDeps {
  db: Db;
  stripe: Stripe;
  /** The app's public URL, where Stripe sends the user back. */
  appUrl: string;
}

async function loadUser(db: Db, userId: string) {
  const user = await db.user.findUnique({ where: { id: userId }, select: { id: true, email: true, name: true, stripeCustomerId: true } });
  if (!user) throw new AppError("unauthorized", "This account no longer exists.");
  return user;
}

function returnUrls(appUrl: string) {
  const base = appUrl.replace(/\/+$/, "");
  return { success_url: `${base}/usage?checkout=success`, cancel_url: `${base}/usage?checkout=cancelled` };
}

export async function createCheckout(deps: PaymentsDeps, userId: string, input: CheckoutInput): Promise<{ url: string }> {
  const user = await loadUser(deps.db, userId);
  const params = "planId" in input ? await subscriptionParams(deps.db, userId, input.planId) : await packParams(deps.db, userId, input.packId);
  const customer = await customerFor(deps.db, deps.stripe, user);
  const session = await callStripe("start the checkout", () =>
    deps.stripe.checkout.sessions.create({ ...params, ...returnUrls(deps.appUrl), customer, client_reference_id: userId }),
  );
  if (!session.url) throw new AppError("payment_provider_error", "The payment provider did not return a checkout page.");
  return { url: session.url };
}

async function subscriptionParams(db: Db, userId: string, planId: string): Promise<Stripe.Checkout.SessionCreateParams> {
  const plan = await db.plan.findUnique({ where: { id: planId } });
  if (!plan || !plan.active) throw new AppError("not_found", "Plan not found.");
  if (!plan.stripePriceId) throw new AppError("unprocessable", `The ${plan.name} plan cannot be bought online: it has no Stripe price. An administrator can assign it.`);
  const { subscription } = await planForUser(db, userId);
  // A paying subscriber changes plan in the portal, which prorates; a second Checkout would start
  // a second subscription and bill both.
  if (subscription?.source === "stripe" && subscriptionGivesPlan(subscription)) {
    throw new AppError("conflict", "You already have a subscription: change or cancel it with Manage subscription.", { portal: true });
  }
  return {
    mode: "subscription",
    line_items: [{ price: plan.stripePriceId, quantity: 1 }],
    metadata: { userId, planId: plan.id },
    subscription_data: { metadata: { userId, planId: plan.id } },
  };
}

async function packParams(db: Db, userId: string, packId: string): Promise<Stripe.Checkout.SessionCreateParams> {
  const pack = (await getCreditPacks(db)).find((p) => p.id === packId);
  if (!pack) throw new AppError("not_found", "Credit pack not found.");
  return {
    mode: "payment",
    line_items: [
      {
        quantity: 1,
        price_data: { currency: pack.currency, unit_amount: pack.priceCents, product_data: { name: `${pack.credits} Pantheon credits` } },
      },
    ],
    // What is credited comes from here when the payment completes, not from the pack list then:
    // a pack changed in between does not change what was paid for.
    metadata: { userId, packId: pack.id, credits: pack.credits },
    payment_intent_data: { metadata: { userId, packId: pack.id } },
  };
}

/** The customer portal, where a subscriber changes plan, updates the card or cancels. */
export async function createPortal(deps: PaymentsDeps, userId: string): Promise<{ url: string }> {
  const user = await loadUser(deps.db, userId);
  const customer = await customerFor(deps.db, deps.stripe, user);
  const session = await callStripe("open the billing portal", () =>
    deps.stripe.billingPortal.sessions.create({ customer, return_url: `${deps.appUrl.replace(/\/+$/, "")}/usage` }),
  );
  return { url: session.url };
}

export interface InvoiceView {
  id: string;
  number: string | null;
  status: string | null;
  amount: number;
  currency: string;
  created: string;
  hostedInvoiceUrl: string | null;
}

/** The user's most recent invoices, from Stripe; none for a user who never paid. */
export async function listInvoices(deps: Pick<PaymentsDeps, "db" | "stripe">, userId: string, limit = 12): Promise<InvoiceView[]> {
  const user = await loadUser(deps.db, userId);
  if (!user.stripeCustomerId) return [];
  const page = await callStripe("list your invoices", () => deps.stripe.invoices.list({ customer: user.stripeCustomerId!, limit }));
  return page.data.map((invoice) => ({
    id: invoice.id ?? "",
    number: invoice.number ?? null,
    status: invoice.status ?? null,
    amount: invoice.status === "paid" ? invoice.amount_paid : invoice.amount_due,
    currency: invoice.currency,
    created: new Date(invoice.created * 1000).toISOString(),
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
  }));
}
