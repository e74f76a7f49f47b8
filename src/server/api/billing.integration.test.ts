/**
 * The `billing` router and the model list's plan marks through the real tRPC fetch adapter:
 * without Stripe keys the plans are listed with nothing purchasable and `paymentsConfigured: false`;
 * a user's subscription follows a plan assigned by hand; `models.list` and `agents.models` mark
 * the models outside the caller's plan; `model_not_in_plan` reaches the client as FORBIDDEN with
 * its details; the admin plan procedures answer NOT_FOUND for an unknown user.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { cliActor } from "@/server/domain/admin/audit.ts";
import { assignPlan } from "@/server/domain/billing/manual-plans.ts";
import { updatePlan } from "@/server/domain/billing/plan-admin.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { bindWebSingletons, callApi } from "@/test/trpc-http.ts";
import { roomWorld, turnEngineForThisFile } from "@/test/turns.ts";

const t = databaseForThisFile();
bindWebSingletons(() => t.url);
// The fake OpenAI server makes the OpenRouter aliases (llama, qwen) usable.
turnEngineForThisFile(t);

async function caller(userId: string) {
  const { token } = await createApiToken(t.db, userId, { name: "test" });
  return async (path: string, input?: unknown) => callApi(t.db, path, { token, input });
}

describe("billing", () => {
  it("lists the active plans and the caller's plan, with payments not configured", async () => {
    const user = await ensureUserByEmail(t.db, `b-${randomUUID()}@example.com`);
    const call = await caller(user.id);
    const plans = (await call("billing.plans")).data as { key: string; monthlyCredits: string; purchasable: boolean; isDefault: boolean }[];
    expect(plans.map((p) => p.key)).toEqual(["free", "starter", "pro", "power"]);
    expect(plans.find((p) => p.key === "starter")).toMatchObject({ monthlyCredits: "1000", purchasable: false, isDefault: false });
    expect(await call("billing.subscription")).toMatchObject({ data: { plan: { key: "free" }, source: "default", status: "active", currentPeriodEnd: null, paymentsConfigured: false } });

    await assignPlan(t.db, cliActor, { userId: user.id, planKey: "pro" });
    expect(await call("billing.subscription")).toMatchObject({ data: { plan: { key: "pro" }, source: "manual", status: "active", cancelAtPeriodEnd: false } });
    expect(((await call("billing.subscription")).data as { currentPeriodEnd: string }).currentPeriodEnd).toMatch(/^\d{4}-/);
  });

  it("marks the models outside the caller's plan, and refuses a send with model_not_in_plan as FORBIDDEN", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "critic", modelAlias: "qwen" }]);
    const starter = await t.db.plan.findUniqueOrThrow({ where: { key: "starter" } });
    await updatePlan(t.db, cliActor, { planId: starter.id, allowedModels: ["llama"] });
    await assignPlan(t.db, cliActor, { userId: w.user.id, planId: starter.id });
    const call = await caller(w.user.id);
    for (const path of ["models.list", "agents.models"]) {
      const models = (await call(path)).data as { alias: string; inPlan: boolean }[];
      const inPlan = Object.fromEntries(models.map((m) => [m.alias, m.inPlan]));
      expect(inPlan, path).toMatchObject({ llama: true, qwen: false, local: true });
    }
    // Another user on the default plan (every model) sees them all in plan.
    const other = await ensureUserByEmail(t.db, `o-${randomUUID()}@example.com`);
    const models = ((await (await caller(other.id))("models.list")).data as { inPlan: boolean }[]);
    expect(models.every((m) => m.inPlan)).toBe(true);

    const res = await call("turns.send", { sessionId: w.session.id, message: "Hello", clientRequestId: randomUUID() });
    expect(res.status).toBe(403);
    expect(res.error).toMatchObject({ code: "FORBIDDEN", appCode: "model_not_in_plan", details: { plan: "Starter", planKey: "starter", model: "qwen", agentKey: "critic" } });
    await updatePlan(t.db, cliActor, { planId: starter.id, allowedModels: [] });
  });

  it("admin plan procedures: an unknown user is NOT_FOUND, a bad plan input is BAD_REQUEST", async () => {
    const owner = await ensureUserByEmail(t.db, `owner-${randomUUID()}@example.com`);
    await t.db.user.update({ where: { id: owner.id }, data: { role: "owner" } });
    const call = await caller(owner.id);
    const free = await t.db.plan.findUniqueOrThrow({ where: { key: "free" } });
    const listed = (await call("admin.plans.list")).data as { plans: { key: string; subscribers: number; active: boolean }[]; paymentsConfigured: boolean };
    expect(listed.paymentsConfigured).toBe(false);
    // The first test put one user on Pro by hand.
    expect(listed.plans.find((p) => p.key === "pro")).toMatchObject({ subscribers: 1, active: true });
    expect(listed.plans.find((p) => p.key === "free")).toMatchObject({ subscribers: 0 });
    expect((await call("admin.plans.assign", { userId: randomUUID(), planId: free.id })).error).toMatchObject({ code: "NOT_FOUND" });
    expect((await call("admin.plans.forUser", { userId: randomUUID() })).error).toMatchObject({ code: "NOT_FOUND" });
    expect((await call("admin.plans.create", { key: "x", name: "", monthlyCredits: "-1", priceCents: 0 })).error).toMatchObject({ code: "BAD_REQUEST" });
    expect((await call("admin.plans.update", { planId: randomUUID(), name: "Nope" })).error).toMatchObject({ code: "NOT_FOUND" });
  });
});
