/**
 * Credit packs from the admin console through the real tRPC fetch adapter: what an owner saves with
 * `admin.plans.setCreditPacks` is what users are offered by `billing.creditPacks` (one audit row,
 * before and after); packs that do not fit are BAD_REQUEST `invalid_input` with the field of each
 * problem, and change nothing.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { defaultCreditPacks } from "@/server/domain/billing/credit-packs.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { callApi } from "@/test/trpc-http.ts";

const t = databaseForThisFile();

async function caller(role: "owner" | "user") {
  const user = await ensureUserByEmail(t.db, `${role}-${randomUUID()}@example.com`);
  await t.db.user.update({ where: { id: user.id }, data: { role } });
  const { token } = await createApiToken(t.db, user.id, { name: "test" });
  return { user, call: async (path: string, input?: unknown) => callApi(t.db, path, { token, input }) };
}

describe("credit packs in the admin console", () => {
  it("an owner's saved packs are the ones users are offered, audited once", async () => {
    const owner = await caller("owner");
    const user = await caller("user");
    expect((await owner.call("admin.plans.creditPacks")).data).toEqual({ packs: defaultCreditPacks, defaults: true });

    const packs = [
      { id: "starter", name: "  Starter  ", credits: "750", priceCents: 900 },
      { id: "bulk", credits: 25000.5, priceCents: 19900, currency: "eur" },
    ];
    const saved = await owner.call("admin.plans.setCreditPacks", { packs });
    expect(saved.error).toBeNull();
    const expected = [
      { id: "starter", name: "Starter", credits: "750", priceCents: 900, currency: "usd" },
      { id: "bulk", credits: "25000.5", priceCents: 19900, currency: "eur" },
    ];
    expect(saved.data).toEqual(expected);
    expect((await user.call("billing.creditPacks")).data).toEqual({ paymentsConfigured: false, packs: expected });
    expect((await owner.call("admin.plans.creditPacks")).data).toEqual({ packs: expected, defaults: false });

    const audit = await t.db.adminAuditLog.findMany({ where: { action: "billing.credit_packs.set" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: owner.user.id, targetType: "setting", targetId: "billing.credit_packs", before: defaultCreditPacks, after: expected });
  });

  it("refuses a duplicate id and zero credits at their fields, and changes nothing", async () => {
    const owner = await caller("owner");
    const user = await caller("user");
    const before = (await user.call("billing.creditPacks")).data;
    const audits = await t.db.adminAuditLog.count();

    const res = await owner.call("admin.plans.setCreditPacks", {
      packs: [
        { id: "one", credits: "10", priceCents: 100 },
        { id: "two", credits: 0, priceCents: 100 },
        { id: "one", credits: "5", priceCents: 100 },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.error).toMatchObject({ code: "BAD_REQUEST", appCode: "invalid_input" });
    expect(res.error!.message).toContain("do not fit");
    const fields = (res.error!.details as { fields: Record<string, string> }).fields;
    expect(Object.keys(fields).sort()).toEqual(["1.credits", "2.id"]);
    expect(fields["2.id"]).toMatch(/unique/);
    expect(fields["1.credits"]).toMatch(/positive/);

    // A price under Stripe's minimum, a missing id and a blank name: each at its own field.
    const more = await owner.call("admin.plans.setCreditPacks", { packs: [{ credits: "1", priceCents: 10, name: " " }] });
    expect(Object.keys((more.error!.details as { fields: Record<string, string> }).fields).sort()).toEqual(["0.id", "0.name", "0.priceCents"]);

    expect((await user.call("billing.creditPacks")).data).toEqual(before);
    expect(await t.db.adminAuditLog.count()).toBe(audits);
  });

  it("is for owners: a user is refused and nothing changes", async () => {
    const user = await caller("user");
    const before = (await user.call("billing.creditPacks")).data;
    const res = await user.call("admin.plans.setCreditPacks", { packs: [] });
    expect(res.error).toMatchObject({ code: "FORBIDDEN" });
    expect((await user.call("billing.creditPacks")).data).toEqual(before);
  });
});
