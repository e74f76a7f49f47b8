/**
 * Stripe webhook events (PRODUCT.md 14): recorded by the webhook before its 200, applied by the
 * worker (`stripe.apply`). Applying is idempotent twice over: the event row is locked and skipped
 * once applied, and every credit it gives is a wallet transaction with a unique (kind, reference)
 * — a top-up references its Checkout session, a plan grant its invoice — so the same payment
 * reported by two different events still credits once.
 *
 * Events come out of order and more than once. A subscription's state only moves forward: a change
 * is applied when the event is at least as new as the last one applied to the row
 * (`subscriptions.stripe_event_at`), a deleted subscription is never revived, and a paid invoice
 * always grants its period. An event whose customer is not (yet) a user's is kept as `unmatched`
 * and applied again once the customer is linked.
 */
import { createHash } from "node:crypto";
import { Decimal } from "decimal.js";
import { fromPrisma, type PgBoss } from "pg-boss";
import type Stripe from "stripe";
import type { Db } from "../../db.ts";
import type { Plan, Prisma, Subscription } from "@/generated/prisma/client.ts";
import { queues } from "../../jobs/queues.ts";
import { logger } from "../../logger.ts";
import { ensureWallet } from "../metering/wallet.ts";
import { getSettings } from "../settings/settings.ts";
import { grantPlanPeriod } from "./plan-grant.ts";
import { defaultPlan, findPlanByStripePrice } from "./plans.ts";

type Tx = Prisma.TransactionClient;

export type StripeEventStatus = "received" | "applied" | "ignored" | "unmatched" | "failed";

const log = logger.child({ component: "stripe" });

/**
 * The `stripe.apply` job id of an event: a UUID derived from the event id, so a redelivered event
 * (or the maintenance pass re-sending a lost job) cannot queue a second job while one exists.
 */
export function applyJobId(eventId: string): string {
  const h = createHash("sha256").update(`stripe.apply:${eventId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The customer id an event's object names (a string, or an expanded customer). */
function customerOf(object: Record<string, unknown>): string | null {
  const c = object.customer;
  if (typeof c === "string") return c;
  if (c && typeof c === "object" && typeof (c as { id?: unknown }).id === "string") return (c as { id: string }).id;
  return null;
}

/**
 * Stores a verified event and queues its job, in one transaction: both or neither. A redelivery
 * (same event id) stores nothing new and queues nothing new. Returns whether the event was new.
 */
export async function recordStripeEvent(db: Db, boss: PgBoss, event: Stripe.Event): Promise<{ stored: boolean }> {
  const object = event.data.object as unknown as Record<string, unknown>;
  return db.$transaction(async (tx) => {
    const inserted = await tx.$executeRaw`
      INSERT INTO stripe_events (id, type, payload, created_at, received_at, status, customer_id)
      VALUES (${event.id}, ${event.type}, ${JSON.stringify(event)}::jsonb, ${new Date(event.created * 1000)}, now(), 'received', ${customerOf(object)})
      ON CONFLICT (id) DO NOTHING`;
    if (inserted) await sendApplyJob(tx, boss, event.id, { id: applyJobId(event.id) });
    return { stored: inserted > 0 };
  });
}

async function sendApplyJob(tx: Tx, boss: PgBoss, eventId: string, options: { id?: string } = {}) {
  await boss.send(queues.stripeApply.name, queues.stripeApply.schema.parse({ eventId }), { ...options, db: fromPrisma(tx) });
}

interface Outcome {
  status: Exclude<StripeEventStatus, "received" | "failed"> | "failed";
  userId?: string | null;
  /** Why it was ignored, unmatched or failed; null when applied. */
  reason?: string | null;
  /** Unmatched events of a customer this event linked to its user, to apply again. */
  linkedCustomer?: string | null;
}

/**
 * Applies one stored event (the `stripe.apply` job). Already applied or ignored: nothing happens.
 * An error rolls the whole application back, marks the event `failed` with the error and is
 * rethrown, so pg-boss retries it.
 */
export async function applyStripeEvent(db: Db, boss: PgBoss, eventId: string): Promise<{ status: StripeEventStatus | "missing" | "skipped" }> {
  try {
    return await db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ status: StripeEventStatus; payload: Stripe.Event }[]>`
          SELECT status, payload FROM stripe_events WHERE id = ${eventId} FOR UPDATE`;
        if (!row) return { status: "missing" as const };
        if (row.status === "applied" || row.status === "ignored") return { status: "skipped" as const };
        const outcome = await dispatch(tx, row.payload);
        await tx.stripeEvent.update({
          where: { id: eventId },
          data: {
            status: outcome.status,
            userId: outcome.userId ?? null,
            error: outcome.reason ?? null,
            attempts: { increment: 1 },
            appliedAt: outcome.status === "applied" ? new Date() : null,
          },
        });
        if (outcome.linkedCustomer) {
          // Events that came before the customer was linked (an invoice before the checkout's
          // completion) are applied now. A fresh job id: their first job has already finished.
          const waiting = await tx.stripeEvent.findMany({ where: { customerId: outcome.linkedCustomer, status: "unmatched", id: { not: eventId } }, select: { id: true } });
          for (const e of waiting) await sendApplyJob(tx, boss, e.id);
        }
        if (outcome.status === "unmatched") log.warn({ eventId, type: row.payload.type, reason: outcome.reason }, "Stripe event for no known user");
        else if (outcome.status === "failed") log.error({ eventId, type: row.payload.type, reason: outcome.reason }, "Stripe event could not be applied");
        return { status: outcome.status };
      },
      { timeout: 20_000 },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db.stripeEvent.updateMany({ where: { id: eventId, status: { notIn: ["applied", "ignored"] } }, data: { status: "failed", error: message.slice(0, 2000), attempts: { increment: 1 } } });
    throw error;
  }
}

/**
 * Maintenance: `received` events older than `olderThanMs` whose job was lost (a database restore,
 * a queue purge) are queued again. The deterministic job id makes this a no-op for a job that
 * still exists, e.g. one waiting for a worker.
 */
export async function requeueLostStripeEvents(db: Db, boss: PgBoss, olderThanMs = 10 * 60_000): Promise<number> {
  const lost = await db.stripeEvent.findMany({
    where: { status: "received", receivedAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true },
    orderBy: { receivedAt: "asc" },
    take: 500,
  });
  let sent = 0;
  for (const event of lost) {
    const id = await boss.send(queues.stripeApply.name, { eventId: event.id }, { id: applyJobId(event.id) });
    if (id) sent++;
  }
  return sent;
}

// --- Applying, by type ------------------------------------------------------------------------

type Obj = Record<string, unknown>;

async function dispatch(tx: Tx, event: Stripe.Event): Promise<Outcome> {
  const object = event.data.object as unknown as Obj;
  const at = new Date(event.created * 1000);
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      return checkoutCompleted(tx, object as unknown as Stripe.Checkout.Session);
    case "invoice.paid":
      return invoicePaid(tx, object as unknown as Stripe.Invoice, at);
    case "invoice.payment_failed":
      return invoicePaymentFailed(tx, object as unknown as Stripe.Invoice, at);
    case "customer.subscription.created":
    case "customer.subscription.updated":
      return subscriptionChanged(tx, object as unknown as Stripe.Subscription, at);
    case "customer.subscription.deleted":
      return subscriptionDeleted(tx, object as unknown as Stripe.Subscription, at);
    default:
      return { status: "ignored", reason: `Pantheon does not act on ${event.type}.` };
  }
}

function metadataUserId(...sources: unknown[]): string | null {
  for (const source of sources) {
    const id = source && typeof source === "object" ? (source as { userId?: unknown }).userId : null;
    if (typeof id === "string" && /^[0-9a-f-]{36}$/i.test(id)) return id;
  }
  return null;
}

/**
 * The user an event is for: the one whose Stripe customer it names, else the user our own
 * metadata names (then the customer is remembered for them). Null: unmatched.
 */
async function resolveUser(tx: Tx, customerId: string | null, claimedUserId: string | null): Promise<{ userId: string; linked: boolean } | null> {
  if (customerId) {
    const owner = await tx.user.findUnique({ where: { stripeCustomerId: customerId }, select: { id: true } });
    if (owner) return { userId: owner.id, linked: false };
  }
  if (!claimedUserId) return null;
  const user = await tx.user.findUnique({ where: { id: claimedUserId }, select: { id: true, stripeCustomerId: true } });
  if (!user) return null;
  let linked = false;
  if (customerId && !user.stripeCustomerId) {
    linked = (await tx.user.updateMany({ where: { id: user.id, stripeCustomerId: null }, data: { stripeCustomerId: customerId } })).count > 0;
  }
  return { userId: user.id, linked };
}

function unmatched(customerId: string | null): Outcome {
  return { status: "unmatched", reason: customerId ? `No user has the Stripe customer ${customerId}.` : "The event names no customer or user." };
}

async function checkoutCompleted(tx: Tx, session: Stripe.Checkout.Session): Promise<Outcome> {
  const customerId = customerOf(session as unknown as Obj);
  const match = await resolveUser(tx, customerId, metadataUserId(session.metadata) ?? session.client_reference_id ?? null);
  if (!match) return unmatched(customerId);
  const base = { userId: match.userId, linkedCustomer: match.linked ? customerId : null };
  if (session.mode === "subscription") return { status: "applied", ...base };
  if (session.mode !== "payment") return { status: "ignored", reason: `Checkout in mode ${session.mode} is not used by Pantheon.`, ...base };
  // Paid later (bank debits): async_payment_succeeded brings the same session back as paid.
  if (session.payment_status !== "paid") return { status: "ignored", reason: `The payment is ${session.payment_status}; credits are added once it is paid.`, ...base };
  const credits = parseCredits(session.metadata?.credits);
  if (!credits) return { status: "failed", reason: "The Checkout session names no credit amount (metadata.credits).", ...base };
  await creditTopup(tx, { userId: match.userId, sessionId: session.id, credits, note: `Bought ${credits} credits${session.metadata?.packId ? ` (${session.metadata.packId} pack)` : ""}` });
  return { status: "applied", ...base };
}

function parseCredits(value: unknown): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  try {
    const d = new Decimal(value);
    return d.isFinite() && d.gt(0) && d.decimalPlaces() <= 6 ? d.toString() : null;
  } catch {
    return null;
  }
}

/** A top-up, once per Checkout session (the wallet row is locked, the insert skips a duplicate). */
export async function creditTopup(tx: Tx, args: { userId: string; sessionId: string; credits: string; note: string }): Promise<boolean> {
  await ensureWallet(tx, args.userId, await getSettings(tx));
  await tx.$queryRaw`SELECT 1 FROM credit_wallets WHERE user_id = ${args.userId}::uuid FOR UPDATE`;
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO credit_transactions (id, user_id, kind, amount, balance_after, reference_id, initiated_by, note, created_at)
    SELECT gen_random_uuid(), ${args.userId}::uuid, 'topup', ${args.credits}::numeric, w.balance + ${args.credits}::numeric, ${args.sessionId}, 'stripe', ${args.note}, now()
    FROM credit_wallets w WHERE w.user_id = ${args.userId}::uuid
    ON CONFLICT (kind, reference_id) DO NOTHING
    RETURNING id::text`;
  if (!inserted.length) return false;
  await tx.$executeRaw`UPDATE credit_wallets SET balance = balance + ${args.credits}::numeric, updated_at = now() WHERE user_id = ${args.userId}::uuid`;
  return true;
}

function idOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string") return (value as { id: string }).id;
  return null;
}

/** The subscription an invoice bills (API 2025+: under `parent`; older: top level). */
function invoiceSubscription(invoice: Stripe.Invoice): { id: string | null; metadata: unknown } {
  const details = invoice.parent?.subscription_details;
  const legacy = (invoice as unknown as { subscription?: unknown }).subscription;
  return { id: idOf(details?.subscription) ?? idOf(legacy), metadata: details?.metadata ?? null };
}

function linePriceId(line: Stripe.InvoiceLineItem): string | null {
  const legacy = line as unknown as { price?: unknown; plan?: unknown };
  return idOf(line.pricing?.price_details?.price) ?? idOf(legacy.price) ?? idOf(legacy.plan);
}

function fromUnix(seconds: number | null | undefined): Date | null {
  return typeof seconds === "number" ? new Date(seconds * 1000) : null;
}

async function lockSubscription(tx: Tx, userId: string): Promise<Subscription | null> {
  // The row may not exist yet: two events of one user (subscription.created and invoice.paid,
  // applied side by side) take turns here instead of both creating it.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`stripe:subscription:${userId}`}, 0))`;
  const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM subscriptions WHERE user_id = ${userId}::uuid FOR UPDATE`;
  return row ? tx.subscription.findUnique({ where: { id: row.id } }) : null;
}

/** Whether an event created at `at` may change this row (it is not older than the last applied). */
function isCurrent(row: Subscription | null, at: Date): boolean {
  return !row?.stripeEventAt || at >= row.stripeEventAt;
}

/** A subscription Stripe deleted stays ended: no later (or older) event brings it back. */
function isEndedStripe(row: Subscription | null, stripeSubscriptionId: string | null): boolean {
  return !!row && row.source === "stripe" && row.endedAt !== null && !!stripeSubscriptionId && row.stripeSubscriptionId === stripeSubscriptionId;
}

async function invoicePaid(tx: Tx, invoice: Stripe.Invoice, at: Date): Promise<Outcome> {
  const customerId = customerOf(invoice as unknown as Obj);
  const sub = invoiceSubscription(invoice);
  const match = await resolveUser(tx, customerId, metadataUserId(sub.metadata, invoice.metadata));
  if (!match) return unmatched(customerId);
  const base = { userId: match.userId, linkedCustomer: match.linked ? customerId : null };
  let plan: Plan | null = null;
  let line: Stripe.InvoiceLineItem | null = null;
  for (const candidate of invoice.lines?.data ?? []) {
    const priceId = linePriceId(candidate);
    plan = priceId ? await findPlanByStripePrice(tx, priceId) : null;
    if (plan) {
      line = candidate;
      break;
    }
  }
  if (!plan || !line) {
    if (!sub.id) return { status: "ignored", reason: "The invoice is not for a subscription.", ...base };
    const prices = (invoice.lines?.data ?? []).map(linePriceId).filter(Boolean).join(", ") || "none";
    return { status: "failed", reason: `No plan has the invoice's Stripe price (${prices}); set it on a plan, then retry the event.`, ...base };
  }
  const start = fromUnix(line.period?.start) ?? at;
  const end = fromUnix(line.period?.end) ?? new Date(start.getTime() + 30 * 86_400_000);

  const row = await lockSubscription(tx, match.userId);
  // Paid, but the subscription was deleted meanwhile (events out of order): the period it paid
  // for is still granted below; the subscription stays ended.
  if (!isEndedStripe(row, sub.id) && isCurrent(row, at)) {
    const movesForward = !row || row.stripeSubscriptionId !== sub.id || end >= row.currentPeriodEnd;
    const data = {
      planId: plan.id,
      source: "stripe",
      status: "active",
      stripeSubscriptionId: sub.id,
      endedAt: null,
      stripeEventAt: at,
      ...(movesForward ? { currentPeriodStart: start, currentPeriodEnd: end } : {}),
    };
    if (row) await tx.subscription.update({ where: { id: row.id }, data });
    else await tx.subscription.create({ data: { userId: match.userId, currentPeriodStart: start, currentPeriodEnd: end, ...data } });
  }
  await grantPlanPeriod(tx, { userId: match.userId, plan, referenceId: invoice.id!, initiatedBy: "stripe", note: `${plan.name} plan: credits for the period paid by invoice ${invoice.number ?? invoice.id}` });
  return { status: "applied", ...base };
}

async function invoicePaymentFailed(tx: Tx, invoice: Stripe.Invoice, at: Date): Promise<Outcome> {
  const customerId = customerOf(invoice as unknown as Obj);
  const sub = invoiceSubscription(invoice);
  const match = await resolveUser(tx, customerId, metadataUserId(sub.metadata, invoice.metadata));
  if (!match) return unmatched(customerId);
  const base = { userId: match.userId, linkedCustomer: match.linked ? customerId : null };
  const row = await lockSubscription(tx, match.userId);
  if (!row || row.source !== "stripe" || (sub.id && row.stripeSubscriptionId !== sub.id)) {
    return { status: "ignored", reason: "No current Stripe subscription of this user is billed by this invoice.", ...base };
  }
  // The plan (and its allowed models) stays while Stripe retries: past_due still gives the plan.
  if (row.endedAt === null && isCurrent(row, at)) {
    await tx.subscription.update({ where: { id: row.id }, data: { status: "past_due", stripeEventAt: at } });
  }
  return { status: "applied", ...base };
}

function mapStatus(status: Stripe.Subscription.Status): "active" | "past_due" | "canceled" | null {
  switch (status) {
    case "active":
    case "trialing":
      return "active";
    case "past_due":
    case "unpaid":
      return "past_due";
    case "canceled":
    case "incomplete_expired":
    case "paused":
      return "canceled";
    default:
      // incomplete: the first payment has not gone through; nothing to give yet.
      return null;
  }
}

/** The plan and period a subscription object describes (the period is on the item since API 2025). */
async function describeSubscription(tx: Tx, subscription: Stripe.Subscription) {
  const item = subscription.items?.data?.[0];
  const priceId = idOf(item?.price);
  const plan = priceId ? await findPlanByStripePrice(tx, priceId) : null;
  const legacy = subscription as unknown as { current_period_start?: number; current_period_end?: number };
  const start = fromUnix(item?.current_period_start ?? legacy.current_period_start) ?? fromUnix(subscription.start_date) ?? new Date();
  const end = fromUnix(item?.current_period_end ?? legacy.current_period_end) ?? new Date(start.getTime() + 30 * 86_400_000);
  return { plan, priceId, start, end };
}

async function subscriptionChanged(tx: Tx, subscription: Stripe.Subscription, at: Date): Promise<Outcome> {
  const customerId = customerOf(subscription as unknown as Obj);
  const match = await resolveUser(tx, customerId, metadataUserId(subscription.metadata));
  if (!match) return unmatched(customerId);
  const base = { userId: match.userId, linkedCustomer: match.linked ? customerId : null };
  const status = mapStatus(subscription.status);
  const row = await lockSubscription(tx, match.userId);
  if (!status) return { status: "ignored", reason: `The subscription is ${subscription.status}: it gives a plan once paid.`, ...base };
  if (isEndedStripe(row, subscription.id)) return { status: "ignored", reason: "This subscription has already ended.", ...base };
  if (!isCurrent(row, at)) return { status: "ignored", reason: "A newer event already set this subscription.", ...base };
  const { plan, priceId, start, end } = await describeSubscription(tx, subscription);
  if (!plan) return { status: "failed", reason: `No plan has the Stripe price ${priceId ?? "(none)"}; set it on a plan, then retry the event.`, ...base };
  const data = {
    planId: plan.id,
    source: "stripe",
    status,
    stripeSubscriptionId: subscription.id,
    currentPeriodStart: start,
    currentPeriodEnd: end,
    cancelAtPeriodEnd: subscription.cancel_at_period_end || subscription.cancel_at !== null,
    stripeEventAt: at,
    endedAt: status === "canceled" ? (fromUnix(subscription.ended_at) ?? at) : null,
  };
  if (row) await tx.subscription.update({ where: { id: row.id }, data });
  else await tx.subscription.create({ data: { userId: match.userId, ...data } });
  return { status: "applied", ...base };
}

async function subscriptionDeleted(tx: Tx, subscription: Stripe.Subscription, at: Date): Promise<Outcome> {
  const customerId = customerOf(subscription as unknown as Obj);
  const match = await resolveUser(tx, customerId, metadataUserId(subscription.metadata));
  if (!match) return unmatched(customerId);
  const base = { userId: match.userId, linkedCustomer: match.linked ? customerId : null };
  const row = await lockSubscription(tx, match.userId);
  // The user has since moved to another subscription (or an owner's plan): that one stays.
  if (row && row.stripeSubscriptionId !== null && row.stripeSubscriptionId !== subscription.id) {
    return { status: "ignored", reason: "The user's current subscription is another one.", ...base };
  }
  if (row && row.stripeSubscriptionId === null && row.source === "manual" && row.endedAt === null) {
    return { status: "ignored", reason: "The user's plan was assigned by an owner.", ...base };
  }
  const endedAt = fromUnix(subscription.ended_at) ?? at;
  // Deleted is final, so it applies whatever arrived before it.
  const { plan, start, end } = await describeSubscription(tx, subscription);
  const data = {
    source: "stripe",
    status: "canceled",
    stripeSubscriptionId: subscription.id,
    cancelAtPeriodEnd: false,
    endedAt,
    stripeEventAt: row?.stripeEventAt && row.stripeEventAt > at ? row.stripeEventAt : at,
  };
  if (row) await tx.subscription.update({ where: { id: row.id }, data });
  // Deleted before anything else arrived: the row records the ended subscription, so a paid
  // invoice arriving after it grants its period without reviving it.
  else await tx.subscription.create({ data: { userId: match.userId, planId: (plan ?? (await defaultPlan(tx))).id, currentPeriodStart: start, currentPeriodEnd: end, ...data } });
  return { status: "applied", ...base };
}

// --- For owners -------------------------------------------------------------------------------

export const stripeEventStatuses = ["received", "applied", "ignored", "unmatched", "failed"] as const;

/**
 * The latest Stripe events with what became of them, for the admin console: an `unmatched` or
 * `failed` one says why, so a payment for no known user is seen, not lost.
 */
export async function listStripeEvents(db: Db, input: { status?: StripeEventStatus; limit?: number } = {}) {
  const [rows, counts] = await Promise.all([
    db.stripeEvent.findMany({
      where: input.status ? { status: input.status } : {},
      orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
      take: input.limit ?? 50,
      select: { id: true, type: true, status: true, customerId: true, error: true, attempts: true, createdAt: true, receivedAt: true, appliedAt: true, user: { select: { id: true, email: true } } },
    }),
    db.stripeEvent.groupBy({ by: ["status"], _count: { _all: true } }),
  ]);
  return {
    counts: Object.fromEntries(stripeEventStatuses.map((s) => [s, counts.find((c) => c.status === s)?._count._all ?? 0])) as Record<StripeEventStatus, number>,
    items: rows.map(({ user, ...row }) => ({ ...row, status: row.status as StripeEventStatus, userId: user?.id ?? null, userEmail: user?.email ?? null })),
  };
}
