/**
 * billing.checkout, billing.portal and billing.invoices through the real tRPC handler and the real
 * stripe SDK, against the fake Stripe API (STRIPE_API_BASE): one customer per user however many
 * checkouts race, the session parameters Stripe needs, refusals with stable codes, a Stripe error
 * that leaks no secret, and a whole purchase (pay on the fake's page → signed webhook → worker).
 */
import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const SECRET_KEY = "sk_test_fake_pantheon_1234567890";
const WEBHOOK_SECRET = "whsec_test_pantheon_checkout";

// The fake listens before the app's env.ts is read, so STRIPE_API_BASE can name its port.
const fake = await vi.hoisted(async () => {
  const { startFakeStripe } = await import("../../../test/fake-stripe.ts");
  const started = await startFakeStripe({ webhookSecret: "whsec_test_pantheon_checkout" });
  process.env.STRIPE_SECRET_KEY = "sk_test_fake_pantheon_1234567890";
  process.env.STRIPE_WEBHOOK_SECRET = "whsec_test_pantheon_checkout";
  process.env.STRIPE_API_BASE = started.url;
  process.env.NEXTAUTH_URL = "http://pantheon.test";
  return started;
});

const { databaseForThisFile } = await import("@/test/database.ts");
const { callApi } = await import("@/test/trpc-http.ts");
const { startSenderBoss } = await import("@/test/turns.ts");
const { startWebhookServer } = await import("@/test/stripe-webhook-server.ts");
const { startWorker } = await import("@/test/worker-process.ts");
const { waitFor } = await import("@/test/wait-for.ts");
const { ensureUserByEmail } = await import("../auth/users.ts");
const { createApiToken } = await import("../auth/api-tokens.ts");
const { planForUser } = await import("./plans.ts");
const { setCreditPacks } = await import("./credit-packs.ts");

const PRO_PRICE = "price_test_pro_checkout";
const t = databaseForThisFile();
let boss: PgBoss;
let webhook: Awaited<ReturnType<typeof startWebhookServer>>;
let worker: Awaited<ReturnType<typeof startWorker>> | null = null;

beforeAll(async () => {
  await t.db.plan.update({ where: { key: "pro" }, data: { stripePriceId: PRO_PRICE } });
  boss = await startSenderBoss(t.url);
  webhook = await startWebhookServer({ db: t.db, boss, secret: WEBHOOK_SECRET });
  fake.webhookUrl = webhook.url;
});

afterAll(async () => {
  worker?.child.kill("SIGTERM");
  await worker?.exited;
  await webhook?.close();
  await boss?.stop({ graceful: false });
  await fake.close();
});

async function signedInUser() {
  const user = await ensureUserByEmail(t.db, `buyer-${randomUUID()}@example.com`);
  const { token } = await createApiToken(t.db, user.id, { name: "test" });
  return { userId: user.id, token };
}

const plan = (key: string) => t.db.plan.findUniqueOrThrow({ where: { key } });

describe("checkout", () => {
  it("two concurrent checkouts of a new user create one Stripe customer, stored on the user", async () => {
    const { userId, token } = await signedInUser();
    const pro = await plan("pro");
    const [a, b] = await Promise.all([
      callApi(t.db, "billing.checkout", { token, input: { planId: pro.id } }),
      callApi(t.db, "billing.checkout", { token, input: { packId: "small" } }),
    ]);
    expect(a.error).toBeNull();
    expect(b.error).toBeNull();
    const creates = fake.requests.filter((r) => r.path === "/v1/customers" && r.idempotencyKey === `customer-${userId}`);
    expect(creates.length).toBeGreaterThanOrEqual(1);
    const customerIds = [...fake.customers.values()].filter((c) => (c.metadata as { userId?: string }).userId === userId);
    expect(customerIds).toHaveLength(1);
    const stored = await t.db.user.findUniqueOrThrow({ where: { id: userId } });
    expect(stored.stripeCustomerId).toBe(customerIds[0]!.id);
    // A later checkout reuses it without asking Stripe again.
    const before = fake.requests.filter((r) => r.path === "/v1/customers").length;
    expect((await callApi(t.db, "billing.checkout", { token, input: { packId: "medium" } })).error).toBeNull();
    expect(fake.requests.filter((r) => r.path === "/v1/customers").length).toBe(before);
  });

  it("a plan opens a subscription Checkout with its price, the user and the return URLs", async () => {
    const { userId, token } = await signedInUser();
    const pro = await plan("pro");
    const res = await callApi(t.db, "billing.checkout", { token, input: { planId: pro.id } });
    expect(res.data.url).toMatch(new RegExp(`^${fake.url}/checkout/cs_`));
    const request = fake.requests.filter((r) => r.path === "/v1/checkout/sessions").at(-1)!;
    expect(request.body).toMatchObject({
      mode: "subscription",
      client_reference_id: userId,
      line_items: [{ price: PRO_PRICE, quantity: "1" }],
      metadata: { userId, planId: pro.id },
      success_url: "http://pantheon.test/usage?checkout=success",
      cancel_url: "http://pantheon.test/usage?checkout=cancelled",
    });
  });

  it("a pack opens a payment Checkout whose metadata carries the credits", async () => {
    const { userId, token } = await signedInUser();
    await setCreditPacks(t.db, [{ id: "tiny", credits: 123.5, priceCents: 199 }]);
    try {
      const res = await callApi(t.db, "billing.checkout", { token, input: { packId: "tiny" } });
      expect(res.error).toBeNull();
      const request = fake.requests.filter((r) => r.path === "/v1/checkout/sessions").at(-1)!;
      expect(request.body).toMatchObject({
        mode: "payment",
        line_items: [{ price_data: { currency: "usd", unit_amount: "199" }, quantity: "1" }],
        metadata: { userId, packId: "tiny", credits: "123.5" },
      });
      expect((await callApi(t.db, "billing.checkout", { token, input: { packId: "small" } })).error).toMatchObject({ appCode: "not_found" });
    } finally {
      await t.db.appSetting.deleteMany({ where: { key: "billing.credit_packs" } });
    }
  });

  it("refuses an unknown plan or pack (not_found), a plan without a price (unprocessable), bad input (invalid_input)", async () => {
    const { token } = await signedInUser();
    const free = await plan("free");
    expect((await callApi(t.db, "billing.checkout", { token, input: { planId: randomUUID() } })).error).toMatchObject({ appCode: "not_found", httpStatus: 404 });
    expect((await callApi(t.db, "billing.checkout", { token, input: { packId: "nope" } })).error).toMatchObject({ appCode: "not_found" });
    const noPrice = await callApi(t.db, "billing.checkout", { token, input: { planId: free.id } });
    expect(noPrice.error).toMatchObject({ appCode: "unprocessable", httpStatus: 422 });
    expect(noPrice.error!.message).toContain("no Stripe price");
    expect((await callApi(t.db, "billing.checkout", { token, input: { planId: "x", packId: "y" } })).error).toMatchObject({ code: "BAD_REQUEST" });
    expect((await callApi(t.db, "billing.checkout", { input: { packId: "small" } })).error).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("a Stripe failure is payment_provider_error (502) without the secret key", async () => {
    const { token } = await signedInUser();
    fake.failNext(500, 2);
    const res = await callApi(t.db, "billing.checkout", { token, input: { packId: "small" } });
    expect(res.error).toMatchObject({ appCode: "payment_provider_error", httpStatus: 502 });
    expect(JSON.stringify(res.error)).not.toContain(SECRET_KEY);
    fake.failNext(402, 1);
    const refused = await callApi(t.db, "billing.checkout", { token, input: { packId: "small" } });
    expect(refused.error).toMatchObject({ appCode: "payment_provider_error" });
    expect(refused.error!.message).toContain("refused");
  });
});

describe("portal and invoices", () => {
  it("the portal opens for the user's own customer and returns to the usage page", async () => {
    const { userId, token } = await signedInUser();
    const res = await callApi(t.db, "billing.portal", { token });
    expect(res.data.url).toContain(`${fake.url}/portal/`);
    const customer = (await t.db.user.findUniqueOrThrow({ where: { id: userId } })).stripeCustomerId;
    expect(fake.requests.filter((r) => r.path === "/v1/billing_portal/sessions").at(-1)!.body).toMatchObject({ customer, return_url: "http://pantheon.test/usage" });
  });

  it("a user who never paid has no invoices and Stripe is not asked", async () => {
    const { token } = await signedInUser();
    const before = fake.requests.length;
    expect((await callApi(t.db, "billing.invoices", { token })).data).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });
});

describe("a whole purchase", () => {
  it("paying on the checkout page: the pack is credited, the plan starts and is granted, the invoice is listed", async () => {
    worker = await startWorker(t.url, t.db, { LOG_LEVEL: "warn" });
    const { userId, token } = await signedInUser();
    const pack = await callApi(t.db, "billing.checkout", { token, input: { packId: "small" } });
    const sessionId = String(pack.data.url).split("/").pop()!;
    expect(await fake.pay(sessionId)).toBe("http://pantheon.test/usage?checkout=success");
    await waitFor("top-up", () => t.db.creditTransaction.findFirst({ where: { userId, kind: "topup", referenceId: sessionId } }), 30_000);

    const pro = await plan("pro");
    const sub = await callApi(t.db, "billing.checkout", { token, input: { planId: pro.id } });
    await fake.pay(String(sub.data.url).split("/").pop()!);
    expect(fake.delivered.slice(-3)).toEqual([
      { type: "checkout.session.completed", status: 200 },
      { type: "customer.subscription.created", status: 200 },
      { type: "invoice.paid", status: 200 },
    ]);
    await waitFor("plan grant", () => t.db.creditTransaction.findFirst({ where: { userId, kind: "plan_grant" } }), 30_000);
    expect((await planForUser(t.db, userId)).plan.key).toBe("pro");

    const invoices = await callApi(t.db, "billing.invoices", { token });
    expect(invoices.data).toHaveLength(1);
    expect(invoices.data[0]).toMatchObject({ status: "paid", currency: "usd", hostedInvoiceUrl: expect.stringContaining("https://") });
    // A subscriber changes plan in the portal: a second subscription Checkout is refused.
    expect((await callApi(t.db, "billing.checkout", { token, input: { planId: pro.id } })).error).toMatchObject({ appCode: "conflict" });
    // Another user's invoices are not theirs to see.
    const other = await signedInUser();
    expect((await callApi(t.db, "billing.invoices", { token: other.token })).data).toEqual([]);
  });
});
