/**
 * Plans without Stripe (PRODUCT.md 14): owners' plan writes (validated, audited), assigning a plan
 * by hand (first period granted at once), and the scheduled grant of later periods, exactly once
 * with two workers at the same time and across a crash and rerun at the boundary.
 */
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/server/db.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { ensureUserByEmail } from "../auth/users.ts";
import { cliActor } from "../admin/audit.ts";
import { getWallet } from "../metering/wallet.ts";
import { assignPlan } from "./manual-plans.ts";
import { createPlan, setDefaultPlan, updatePlan } from "./plan-admin.ts";
import { grantDuePeriods } from "./plan-grants.ts";
import { planForUser } from "./plans.ts";

const t = databaseForThisFile();
let other: Db;
beforeAll(() => {
  other = createDb(t.url);
});
afterAll(async () => {
  await other.$disconnect();
});

const newUser = () => ensureUserByEmail(t.db, `p-${randomUUID()}@example.com`);
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error as { code: string; message: string; details?: Record<string, unknown> },
  );
const planGrants = (userId: string) => t.db.creditTransaction.findMany({ where: { userId, kind: "plan_grant" }, orderBy: { createdAt: "asc" } });
const planId = async (key: string) => (await t.db.plan.findUniqueOrThrow({ where: { key } })).id;

describe("plan admin", () => {
  it("creates a plan with validated fields, audited; refuses a bad key, an unknown model and a duplicate", async () => {
    const plan = await createPlan(t.db, cliActor, { key: "team", name: "Team", monthlyCredits: "2500.5", priceCents: 4900, allowedModels: ["llama", "local"], rateLimitPerMinute: 3 });
    expect(plan).toMatchObject({ key: "team", monthlyCredits: "2500.5", allowedModels: ["llama", "local"], rateLimitPerMinute: 3, rateLimitPerHour: null, active: true, isDefault: false });
    const audit = await t.db.adminAuditLog.findFirstOrThrow({ where: { targetId: plan.id } });
    expect(audit).toMatchObject({ action: "plan.create", actorLabel: "cli" });

    expect(await errorOf(createPlan(t.db, cliActor, { key: "Bad Key", name: "x", monthlyCredits: "1", priceCents: 0 }))).toMatchObject({ name: "ZodError" });
    expect(await errorOf(createPlan(t.db, cliActor, { key: "x1", name: "x", monthlyCredits: "1", priceCents: 0, allowedModels: ["nope"] }))).toMatchObject({
      code: "invalid_input",
      details: { field: "allowedModels", missing: ["nope"] },
    });
    expect(await errorOf(createPlan(t.db, cliActor, { key: "team", name: "Again", monthlyCredits: "1", priceCents: 0 }))).toMatchObject({ code: "conflict", details: { field: "key" } });
  });

  it("edits a plan (audited before/after); the default plan cannot be deactivated; setDefault moves the default", async () => {
    const free = await planId("free");
    expect(await errorOf(updatePlan(t.db, cliActor, { planId: free, active: false }))).toMatchObject({ code: "unprocessable", details: { field: "active" } });
    const pro = await planId("pro");
    await updatePlan(t.db, cliActor, { planId: pro, name: "Pro+", stripePriceId: "price_pro" });
    const audit = await t.db.adminAuditLog.findFirstOrThrow({ where: { targetId: pro, action: "plan.update" } });
    expect(audit.before).toMatchObject({ name: "Pro", stripePriceId: null });
    expect(audit.after).toMatchObject({ name: "Pro+", stripePriceId: "price_pro" });
    const starter = await planId("starter");
    expect(await errorOf(updatePlan(t.db, cliActor, { planId: starter, stripePriceId: "price_pro" }))).toMatchObject({ code: "conflict", details: { field: "stripePriceId" } });

    const user = await newUser();
    await setDefaultPlan(t.db, cliActor, { planId: starter });
    expect((await planForUser(t.db, user.id)).plan.key).toBe("starter");
    expect(await t.db.plan.count({ where: { isDefault: true } })).toBe(1);
    await setDefaultPlan(t.db, cliActor, { planId: free });
    expect((await planForUser(t.db, user.id)).plan.key).toBe("free");
    await updatePlan(t.db, cliActor, { planId: pro, name: "Pro", stripePriceId: null });
  });
});

describe("assigning a plan by hand", () => {
  it("starts a manual subscription and grants its first period at once, audited; the same plan again changes nothing", async () => {
    const user = await newUser();
    const now = new Date("2026-03-10T12:00:00Z");
    const result = await assignPlan(t.db, cliActor, { userId: user.id, planKey: "starter" }, { now });
    expect(result).toMatchObject({ changed: true, plan: { key: "starter" }, subscription: { source: "manual", status: "active", currentPeriodStart: now.toISOString(), currentPeriodEnd: "2026-04-10T12:00:00.000Z" } });
    const grants = await planGrants(user.id);
    expect(grants.map((g) => [g.referenceId, g.amount.toString()])).toEqual([[`manual:${result.subscription!.id}:${now.toISOString()}`, "1000"]]);
    // The signup grant (100) and the plan's first period.
    expect((await getWallet(t.db, user.id)).balance).toBe("1100");
    expect(grants[0]!.balanceAfter.toString()).toBe("1100");
    expect(await t.db.adminAuditLog.count({ where: { targetId: user.id, action: "plan.assign" } })).toBe(1);
    expect((await planForUser(t.db, user.id)).plan.key).toBe("starter");

    expect(await assignPlan(t.db, cliActor, { userId: user.id, planKey: "starter" }, { now })).toMatchObject({ changed: false, grant: null });
    expect(await planGrants(user.id)).toHaveLength(1);
  });

  it("assigning the default plan ends the subscription; an unknown user or plan is NOT_FOUND", async () => {
    const user = await newUser();
    await assignPlan(t.db, cliActor, { userId: user.id, planKey: "pro" });
    await assignPlan(t.db, cliActor, { userId: user.id, planKey: "free" });
    const sub = await t.db.subscription.findUniqueOrThrow({ where: { userId: user.id } });
    expect(sub.status).toBe("canceled");
    expect(sub.endedAt).not.toBeNull();
    expect((await planForUser(t.db, user.id)).plan.key).toBe("free");
    expect(await errorOf(assignPlan(t.db, cliActor, { userId: randomUUID(), planKey: "pro" }))).toMatchObject({ code: "not_found" });
    expect(await errorOf(assignPlan(t.db, cliActor, { userId: user.id, planKey: "nope" }))).toMatchObject({ code: "not_found" });
  });

  it("refuses to replace a Stripe subscription while payments are configured", async () => {
    const user = await newUser();
    const now = new Date();
    await t.db.subscription.create({
      data: { userId: user.id, planId: await planId("pro"), source: "stripe", stripeSubscriptionId: `sub_${randomUUID()}`, currentPeriodStart: now, currentPeriodEnd: new Date(now.getTime() + 30 * 86_400_000) },
    });
    expect(await errorOf(assignPlan(t.db, cliActor, { userId: user.id, planKey: "starter" }, { paymentsConfigured: true }))).toMatchObject({ code: "conflict", details: { reason: "managed_by_stripe" } });
    expect(await t.db.adminAuditLog.count({ where: { targetId: user.id } })).toBe(0);
  });
});

describe("the scheduled grant (billing.grants)", () => {
  const start = new Date("2026-01-15T09:00:00Z");
  const boundary = new Date("2026-02-15T09:00:00Z");

  async function manualUser(planKey = "starter") {
    const user = await newUser();
    const { subscription } = await assignPlan(t.db, cliActor, { userId: user.id, planKey }, { now: start });
    return { user, subscriptionId: subscription!.id };
  }

  it("grants nothing before the boundary, and each boundary crossed once, with the period start as reference", async () => {
    const { user, subscriptionId } = await manualUser();
    await grantDuePeriods(t.db, new Date(boundary.getTime() - 1000));
    expect(await planGrants(user.id)).toHaveLength(1);

    await grantDuePeriods(t.db, new Date(boundary.getTime() + 60_000));
    await grantDuePeriods(t.db, new Date(boundary.getTime() + 120_000));
    await grantDuePeriods(t.db, new Date("2026-03-15T09:00:01Z"));
    const grants = await planGrants(user.id);
    expect(grants.map((g) => g.referenceId)).toEqual([
      `manual:${subscriptionId}:2026-01-15T09:00:00.000Z`,
      `manual:${subscriptionId}:2026-02-15T09:00:00.000Z`,
      `manual:${subscriptionId}:2026-03-15T09:00:00.000Z`,
    ]);
    expect(grants.map((g) => g.balanceAfter.toString())).toEqual(["1100", "2100", "3100"]);
    expect(await t.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } })).toMatchObject({ currentPeriodStart: new Date("2026-03-15T09:00:00Z"), currentPeriodEnd: new Date("2026-04-15T09:00:00Z") });
  });

  it("two workers running at once on two connections grant the period once", async () => {
    const users = await Promise.all([manualUser(), manualUser(), manualUser()]);
    const after = new Date(boundary.getTime() + 1000);
    const reports = await Promise.all([grantDuePeriods(t.db, after), grantDuePeriods(other, after)]);
    for (const { user } of users) expect(await planGrants(user.id)).toHaveLength(2);
    expect(reports.reduce((sum, r) => sum + r.granted, 0)).toBe(3);
    for (const { user } of users) expect((await getWallet(t.db, user.id)).balance).toBe("2100");
  });

  it("a crash before the commit grants nothing; the rerun grants once; a rerun from a stale period grants nothing again", async () => {
    const { user, subscriptionId } = await manualUser();
    const after = new Date(boundary.getTime() + 1000);
    await expect(
      grantDuePeriods(t.db, after, {
        beforeCommit: async () => {
          throw new Error("worker died");
        },
      }),
    ).rejects.toThrow("worker died");
    expect(await planGrants(user.id)).toHaveLength(1);
    expect((await t.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } })).currentPeriodEnd).toEqual(boundary);

    await grantDuePeriods(t.db, after);
    await grantDuePeriods(t.db, after);
    expect(await planGrants(user.id)).toHaveLength(2);

    // Even a subscription put back to the old period (a state restored from before the grant) is not granted twice.
    await t.db.subscription.update({ where: { id: subscriptionId }, data: { currentPeriodStart: start, currentPeriodEnd: boundary } });
    expect(await grantDuePeriods(t.db, after)).toMatchObject({ granted: 0 });
    expect(await planGrants(user.id)).toHaveLength(2);
    expect((await getWallet(t.db, user.id)).balance).toBe("2100");
  });

  it("one subscription's failure does not hold back the others' grants; the run still fails, for a retry", async () => {
    const failing = await manualUser();
    const fine = await manualUser();
    const after = new Date(boundary.getTime() + 1000);
    await expect(
      grantDuePeriods(t.db, after, {
        beforeCommit: async (_tx, id) => {
          if (id === failing.subscriptionId) throw new Error("this one fails");
        },
      }),
    ).rejects.toThrow("this one fails");
    expect(await planGrants(fine.user.id)).toHaveLength(2);
    expect(await planGrants(failing.user.id)).toHaveLength(1);
    await grantDuePeriods(t.db, after);
    expect(await planGrants(failing.user.id)).toHaveLength(2);
  });

  it("grants what the plan gives at the boundary: a change of monthly credits applies from the next period", async () => {
    const plan = await createPlan(t.db, cliActor, { key: `grow-${randomUUID().slice(0, 8)}`, name: "Grow", monthlyCredits: "10", priceCents: 0 });
    const user = await newUser();
    await assignPlan(t.db, cliActor, { userId: user.id, planId: plan.id }, { now: start });
    await updatePlan(t.db, cliActor, { planId: plan.id, monthlyCredits: "25" });
    await grantDuePeriods(t.db, new Date(boundary.getTime() + 1000));
    expect((await planGrants(user.id)).map((g) => new Decimal(g.amount.toString()).toNumber())).toEqual([10, 25]);
  });

  it("a canceled, ended or Stripe subscription gets nothing; cancel at period end ends it at the boundary", async () => {
    const canceled = await manualUser();
    await assignPlan(t.db, cliActor, { userId: canceled.user.id, planKey: "free" });
    const ending = await manualUser();
    await t.db.subscription.update({ where: { id: ending.subscriptionId }, data: { cancelAtPeriodEnd: true } });
    const stripeUser = await newUser();
    await t.db.subscription.create({
      data: { userId: stripeUser.id, planId: await planId("pro"), source: "stripe", stripeSubscriptionId: `sub_${randomUUID()}`, currentPeriodStart: start, currentPeriodEnd: boundary },
    });

    await grantDuePeriods(t.db, new Date(boundary.getTime() + 1000));
    expect(await planGrants(canceled.user.id)).toHaveLength(1);
    expect(await planGrants(ending.user.id)).toHaveLength(1);
    expect(await planGrants(stripeUser.id)).toHaveLength(0);
    expect(await t.db.subscription.findUniqueOrThrow({ where: { id: ending.subscriptionId } })).toMatchObject({ status: "canceled", endedAt: boundary });
    expect((await planForUser(t.db, ending.user.id)).plan.key).toBe("free");
  });
});
