/**
 * The Stripe webhook end to end (PRODUCT.md 14): events signed with the real SDK's test header
 * posted over HTTP to the route's handler, stored and queued in PostgreSQL, applied by the real
 * worker process. Refused signatures store nothing; redeliveries and duplicate payments credit
 * once; out-of-order events end in the right state; a stopped worker delays nothing but the apply.
 */
import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { buildEvent, fakeId, invoiceObject, postEvent, subscriptionObject, type FakeEvent } from "@/test/fake-stripe.ts";
import { startWebhookServer, type WebhookServer } from "@/test/stripe-webhook-server.ts";
import { startSenderBoss } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";
import { ensureUserByEmail } from "../auth/users.ts";
import { planForUser } from "./plans.ts";
import { applyJobId, applyStripeEvent, listStripeEvents, requeueLostStripeEvents } from "./stripe-events.ts";

const SECRET = "whsec_test_pantheon_webhook";
const PRO_PRICE = "price_test_pro";
const STARTER_PRICE = "price_test_starter";

const t = databaseForThisFile();
let boss: PgBoss;
let webhook: WebhookServer;
let worker: WorkerProcess | null = null;

beforeAll(async () => {
  await t.db.plan.update({ where: { key: "pro" }, data: { stripePriceId: PRO_PRICE } });
  await t.db.plan.update({ where: { key: "starter" }, data: { stripePriceId: STARTER_PRICE } });
  boss = await startSenderBoss(t.url);
  webhook = await startWebhookServer({ db: t.db, boss, secret: SECRET });
});

afterAll(async () => {
  worker?.child.kill("SIGTERM");
  await worker?.exited;
  await webhook?.close();
  await boss?.stop({ graceful: false });
});

async function userWithCustomer() {
  const user = await ensureUserByEmail(t.db, `stripe-${randomUUID()}@example.com`);
  const customer = fakeId("cus");
  await t.db.user.update({ where: { id: user.id }, data: { stripeCustomerId: customer } });
  return { userId: user.id, customer };
}

function post(event: FakeEvent | string, options: Partial<Parameters<typeof postEvent>[2]> = {}) {
  return postEvent(webhook.url, event, { secret: SECRET, ...options });
}

async function jobCount(eventId: string) {
  const [row] = await t.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'stripe.apply' AND data->>'eventId' = $1`, eventId);
  return row!.n;
}

const settled = (eventId: string) =>
  waitFor(`event ${eventId} applied`, async () => {
    const row = await t.db.stripeEvent.findUnique({ where: { id: eventId } });
    return row && row.status !== "received" && row.status !== "failed" ? row : null;
  }, 30_000, 100);

async function balanceOf(userId: string) {
  return (await t.db.creditWallet.findUnique({ where: { userId } }))?.balance.toString() ?? null;
}

function topupSession(userId: string, customer: string, credits = "500") {
  return { id: fakeId("cs"), object: "checkout.session", mode: "payment", status: "complete", payment_status: "paid", customer, client_reference_id: userId, metadata: { userId, packId: "small", credits } };
}

describe("signature", () => {
  const event = () => buildEvent("checkout.session.completed", topupSession(randomUUID(), fakeId("cus")));

  it.each([
    ["signed with another secret", (e: FakeEvent) => post(e, { secret: "whsec_someone_else" })],
    ["stale timestamp (10 minutes old)", (e: FakeEvent) => post(e, { timestamp: Math.floor(Date.now() / 1000) - 600 })],
    ["body changed after signing", (e: FakeEvent) => post(e, { alterBody: (b) => b.replace('"credits": "500"', '"credits": "50000"') })],
    ["no signature header", (e: FakeEvent) => post(e, { signature: null })],
    ["garbage signature", (e: FakeEvent) => post(e, { signature: "t=1,v1=deadbeef" })],
  ])("refuses an event %s with 400 and stores nothing", async (_name, send) => {
    const e = event();
    const res = await send(e);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "invalid_signature" } });
    expect(await t.db.stripeEvent.count({ where: { id: e.id } })).toBe(0);
    expect(await jobCount(e.id)).toBe(0);
  });

  it("refuses a body larger than any Stripe event with 413, storing nothing", async () => {
    const e = buildEvent("checkout.session.completed", { ...topupSession(randomUUID(), fakeId("cus")), padding: "x".repeat(1_100_000) });
    const res = await post(e);
    expect(res.status).toBe(413);
    expect(await t.db.stripeEvent.count({ where: { id: e.id } })).toBe(0);
  });

  it("the unaltered body with the same signature is accepted (the refusals above are about the change)", async () => {
    const e = event();
    const res = await post(e);
    expect(res.status).toBe(200);
    expect(await t.db.stripeEvent.count({ where: { id: e.id } })).toBe(1);
  });
});

describe("worker down, then back", () => {
  it("answers at once, keeps the event received and its job waiting, and applies it when a worker starts", async () => {
    const { userId, customer } = await userWithCustomer();
    const session = topupSession(userId, customer, "750");
    const e = buildEvent("checkout.session.completed", session);
    const started = Date.now();
    const res = await post(e);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    // Stripe gives up after about 10 s (and wants a 2xx well before): this is a database write.
    expect(elapsed).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await t.db.stripeEvent.findUnique({ where: { id: e.id } })).toMatchObject({ status: "received", attempts: 0 });
    expect(await jobCount(e.id)).toBe(1);
    expect(await t.db.creditTransaction.count({ where: { userId, kind: "topup" } })).toBe(0);

    worker = await startWorker(t.url, t.db, { LOG_LEVEL: "warn" });
    const row = await settled(e.id);
    expect(row).toMatchObject({ status: "applied", userId, attempts: 1 });
    const topup = await t.db.creditTransaction.findFirstOrThrow({ where: { userId, kind: "topup" } });
    expect(topup).toMatchObject({ referenceId: session.id });
    expect(topup.amount.toString()).toBe("750");
  });
});

describe("idempotency", () => {
  it("the same invoice.paid delivered 5 times at once and 5 more times after grants once", async () => {
    const { userId, customer } = await userWithCustomer();
    const subscription = subscriptionObject({ customer, priceId: PRO_PRICE });
    const invoice = invoiceObject({ customer, subscription: String(subscription.id), priceId: PRO_PRICE });
    const e = buildEvent("invoice.paid", invoice);
    const before = (await planForUser(t.db, userId)).plan;
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => post(e)));
    expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await settled(e.id);
    for (let i = 0; i < 5; i++) expect((await post(e)).status).toBe(200);
    // The same paid invoice reported again under a new event id (Stripe resends, or a replay).
    const again = buildEvent("invoice.paid", invoice);
    await post(again);
    await settled(again.id);

    expect(await t.db.stripeEvent.count({ where: { id: e.id } })).toBe(1);
    expect(await jobCount(e.id)).toBe(1);
    const grants = await t.db.creditTransaction.findMany({ where: { userId, kind: "plan_grant" } });
    expect(grants).toHaveLength(1);
    expect(grants[0]!.referenceId).toBe(invoice.id);
    const pro = await t.db.plan.findUniqueOrThrow({ where: { key: "pro" } });
    expect(grants[0]!.amount.toString()).toBe(pro.monthlyCredits.toString());
    const { plan, subscription: row } = await planForUser(t.db, userId);
    expect(before.key).toBe("free");
    expect(plan.key).toBe("pro");
    expect(row).toMatchObject({ source: "stripe", status: "active", stripeSubscriptionId: subscription.id, endedAt: null });
  });

  it("a top-up session completed twice (two event ids) credits once", async () => {
    const { userId, customer } = await userWithCustomer();
    const session = topupSession(userId, customer, "2000");
    const first = buildEvent("checkout.session.completed", session);
    const second = buildEvent("checkout.session.async_payment_succeeded", session);
    const third = buildEvent("checkout.session.completed", session);
    await Promise.all([post(first), post(second), post(third)]);
    await Promise.all([settled(first.id), settled(second.id), settled(third.id)]);
    const topups = await t.db.creditTransaction.findMany({ where: { userId, kind: "topup" } });
    expect(topups).toHaveLength(1);
    expect(topups[0]!.referenceId).toBe(session.id);
    const signup = (await t.db.creditTransaction.findFirst({ where: { userId, kind: "grant" } }))?.amount.toString() ?? "0";
    expect(Number(await balanceOf(userId))).toBe(Number(signup) + 2000);
  });

  it("an unpaid payment session credits nothing", async () => {
    const { userId, customer } = await userWithCustomer();
    const e = buildEvent("checkout.session.completed", { ...topupSession(userId, customer), payment_status: "unpaid" });
    await post(e);
    expect(await settled(e.id)).toMatchObject({ status: "ignored" });
    expect(await t.db.creditTransaction.count({ where: { userId, kind: "topup" } })).toBe(0);
  });
});

describe("order and state", () => {
  it("subscription deleted before its invoice.paid arrives: the period is granted, the plan stays ended", async () => {
    const { userId, customer } = await userWithCustomer();
    const now = Math.floor(Date.now() / 1000);
    const sub = subscriptionObject({ customer, priceId: PRO_PRICE, periodStart: now - 100, periodEnd: now + 30 * 86_400 });
    const created = buildEvent("customer.subscription.created", sub, { created: now - 100 });
    const invoice = invoiceObject({ customer, subscription: String(sub.id), priceId: PRO_PRICE, periodStart: now - 100 });
    const paid = buildEvent("invoice.paid", invoice, { created: now - 99 });
    const deleted = buildEvent("customer.subscription.deleted", { ...sub, status: "canceled", ended_at: now - 10 }, { created: now - 10 });

    await post(deleted);
    await settled(deleted.id);
    await post(paid);
    await settled(paid.id);
    await post(created);
    expect(await settled(created.id)).toMatchObject({ status: "ignored" });

    const { plan, subscription } = await planForUser(t.db, userId);
    expect(plan.key).toBe("free");
    expect(subscription).toMatchObject({ status: "canceled", stripeSubscriptionId: sub.id });
    expect(subscription!.endedAt).not.toBeNull();
    expect(await t.db.creditTransaction.count({ where: { userId, kind: "plan_grant", referenceId: String(invoice.id) } })).toBe(1);
  });

  it("a new subscription's created and invoice.paid applied side by side make one subscription, neither failing", async () => {
    const { userId, customer } = await userWithCustomer();
    const sub = subscriptionObject({ customer, priceId: PRO_PRICE });
    const events = [buildEvent("customer.subscription.created", sub), buildEvent("invoice.paid", invoiceObject({ customer, subscription: String(sub.id), priceId: PRO_PRICE }))];
    // Stored without jobs and applied here at the same moment (the worker could take them in turn).
    for (const e of events) {
      await t.db.stripeEvent.create({ data: { id: e.id, type: e.type, payload: JSON.parse(JSON.stringify(e)), createdAt: new Date(e.created * 1000), customerId: customer } });
    }
    const outcomes = await Promise.allSettled(events.map((e) => applyStripeEvent(t.db, boss, e.id)));
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value.status : String(o.reason)))).toEqual(["applied", "applied"]);
    expect(await t.db.subscription.count({ where: { userId } })).toBe(1);
    expect((await planForUser(t.db, userId)).plan.key).toBe("pro");
  });

  it("an older subscription.updated arriving after a newer one does not undo it", async () => {
    const { userId, customer } = await userWithCustomer();
    const now = Math.floor(Date.now() / 1000);
    const id = fakeId("sub");
    const newer = buildEvent("customer.subscription.updated", subscriptionObject({ id, customer, priceId: PRO_PRICE, cancelAtPeriodEnd: true }), { created: now });
    const older = buildEvent("customer.subscription.updated", subscriptionObject({ id, customer, priceId: STARTER_PRICE }), { created: now - 60 });
    await post(newer);
    await settled(newer.id);
    await post(older);
    expect(await settled(older.id)).toMatchObject({ status: "ignored" });
    const { plan, subscription } = await planForUser(t.db, userId);
    expect(plan.key).toBe("pro");
    expect(subscription).toMatchObject({ cancelAtPeriodEnd: true });
  });

  it("a failed payment marks the subscription past due and keeps its plan until it is deleted", async () => {
    const { userId, customer } = await userWithCustomer();
    const now = Math.floor(Date.now() / 1000);
    const sub = subscriptionObject({ customer, priceId: PRO_PRICE });
    const created = buildEvent("customer.subscription.created", sub, { created: now - 30 });
    await post(created);
    await settled(created.id);
    const failed = buildEvent("invoice.payment_failed", invoiceObject({ customer, subscription: String(sub.id), priceId: PRO_PRICE, status: "open" }), { created: now - 20 });
    await post(failed);
    await settled(failed.id);
    let state = await planForUser(t.db, userId);
    expect(state.subscription).toMatchObject({ status: "past_due" });
    expect(state.plan.key).toBe("pro");
    expect(await t.db.creditTransaction.count({ where: { userId, kind: "plan_grant" } })).toBe(0);

    const deleted = buildEvent("customer.subscription.deleted", { ...sub, status: "canceled", ended_at: now }, { created: now });
    await post(deleted);
    await settled(deleted.id);
    state = await planForUser(t.db, userId);
    expect(state.plan.key).toBe("free");
    expect(state.subscription).toMatchObject({ status: "canceled" });
  });

  it("an event for an unknown customer is kept as unmatched, and applied once a checkout links the customer", async () => {
    const user = await ensureUserByEmail(t.db, `stripe-${randomUUID()}@example.com`);
    const customer = fakeId("cus");
    const sub = subscriptionObject({ customer, priceId: STARTER_PRICE });
    // No metadata naming the user: only the customer id could match, and no one has it yet.
    const invoice = invoiceObject({ customer, subscription: String(sub.id), priceId: STARTER_PRICE });
    const paid = buildEvent("invoice.paid", invoice);
    await post(paid);
    const row = await settled(paid.id);
    expect(row).toMatchObject({ status: "unmatched", userId: null, customerId: customer });
    expect(row.error).toContain(customer);
    // Owners see it, with the reason, in the admin console's list.
    const listed = await listStripeEvents(t.db, { status: "unmatched" });
    expect(listed.counts.unmatched).toBeGreaterThanOrEqual(1);
    expect(listed.items.find((i) => i.id === paid.id)).toMatchObject({ customerId: customer, error: expect.stringContaining(customer) });

    const checkout = buildEvent("checkout.session.completed", {
      id: fakeId("cs"), object: "checkout.session", mode: "subscription", payment_status: "paid", customer, client_reference_id: user.id, metadata: { userId: user.id },
    });
    await post(checkout);
    expect(await settled(checkout.id)).toMatchObject({ status: "applied", userId: user.id });
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId).toBe(customer);
    await waitFor("the unmatched invoice applied", async () => (await t.db.stripeEvent.findUnique({ where: { id: paid.id } }))?.status === "applied", 30_000);
    expect((await planForUser(t.db, user.id)).plan.key).toBe("starter");
    expect(await t.db.creditTransaction.count({ where: { userId: user.id, kind: "plan_grant", referenceId: String(invoice.id) } })).toBe(1);
  });

  it("an event type Pantheon does not use is stored and ignored", async () => {
    const e = buildEvent("customer.created", { id: fakeId("cus"), object: "customer" });
    expect((await post(e)).status).toBe(200);
    expect(await settled(e.id)).toMatchObject({ status: "ignored" });
  });
});

describe("lost jobs", () => {
  it("a received event whose job is gone is queued again and applied", async () => {
    const { userId, customer } = await userWithCustomer();
    const session = topupSession(userId, customer, "42");
    const e = buildEvent("checkout.session.completed", session);
    // As if the row survived and the job did not (a queue purge): stored directly, no job.
    await t.db.stripeEvent.create({ data: { id: e.id, type: e.type, payload: JSON.parse(JSON.stringify(e)), createdAt: new Date(e.created * 1000), receivedAt: new Date(Date.now() - 20 * 60_000), customerId: customer } });
    expect(await jobCount(e.id)).toBe(0);
    expect(await requeueLostStripeEvents(t.db, boss)).toBeGreaterThanOrEqual(1);
    await settled(e.id);
    expect(await t.db.creditTransaction.count({ where: { userId, kind: "topup", referenceId: session.id } })).toBe(1);
    // Its job id is the event's: running the pass again queues nothing new for it.
    await requeueLostStripeEvents(t.db, boss, 0);
    expect(await jobCount(e.id)).toBe(1);
    expect(applyJobId(e.id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
