/**
 * A server without Stripe keys (PRODUCT.md 14): plans are still listed, but checkout and the
 * portal refuse with `payments_not_configured`, invoices are empty, and the webhook route is a 404
 * that stores nothing.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  for (const key of ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_PUBLISHABLE_KEY"]) delete process.env[key];
});

const { databaseForThisFile } = await import("@/test/database.ts");
const { callApi } = await import("@/test/trpc-http.ts");
const { buildEvent, signedHeader } = await import("@/test/fake-stripe.ts");
const { ensureUserByEmail } = await import("../auth/users.ts");
const { createApiToken } = await import("../auth/api-tokens.ts");
const route = await import("../../../app/api/stripe/webhook/route.ts");

const t = databaseForThisFile();

describe("payments not configured", () => {
  it("checkout and portal refuse with payments_not_configured; invoices are empty; plans still list", async () => {
    const user = await ensureUserByEmail(t.db, `nopay-${randomUUID()}@example.com`);
    const { token } = await createApiToken(t.db, user.id, { name: "test" });
    const pro = await t.db.plan.findUniqueOrThrow({ where: { key: "pro" } });
    await t.db.plan.update({ where: { id: pro.id }, data: { stripePriceId: "price_x" } });
    for (const [path, input] of [["billing.checkout", { planId: pro.id }], ["billing.checkout", { packId: "small" }], ["billing.portal", undefined]] as const) {
      const res = await callApi(t.db, path, { token, input });
      expect(res.error).toMatchObject({ appCode: "payments_not_configured", code: "PRECONDITION_FAILED", httpStatus: 412 });
    }
    expect((await callApi(t.db, "billing.invoices", { token })).data).toEqual([]);
    expect((await callApi(t.db, "billing.plans", { token })).data.length).toBeGreaterThan(0);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id } })).stripeCustomerId).toBeNull();
  });

  it("the webhook route answers 404 and stores nothing", async () => {
    const event = buildEvent("invoice.paid", { id: "in_x", object: "invoice" });
    const body = JSON.stringify(event);
    const response = await route.POST(new Request("http://pantheon.test/api/stripe/webhook", { method: "POST", headers: { "stripe-signature": signedHeader(body, "whsec_anything") }, body }));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "payments_not_configured" } });
    expect(await t.db.stripeEvent.count()).toBe(0);
  });
});
