/**
 * What a plan enforces at send (PRODUCT.md 14): `model_not_in_plan` refuses before anything is
 * reserved, created or called, and does not count toward the rate limit; the offline model is always
 * allowed; the orchestrator's manager model counts too; a plan's rate-limit overrides replace the
 * global settings for its users.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roomWorld, turnEngineForThisFile } from "@/test/turns.ts";
import { cliActor } from "../admin/audit.ts";
import { createSession } from "../sessions/sessions.ts";
import { defaultSettings, setSetting } from "../settings/settings.ts";
import { sendTurn } from "../turns/send-turn.ts";
import { assignPlan } from "./manual-plans.ts";
import { createPlan } from "./plan-admin.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
afterEach(async () => {
  await setSetting(t.db, "orchestrator.manager_model", defaultSettings()["orchestrator.manager_model"]);
});

const send = (userId: string, sessionId: string, message: string) => sendTurn(engine.deps, userId, { sessionId, message, clientRequestId: randomUUID() });
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a refusal");
    },
    (error: unknown) => error as { code: string; message: string; details?: Record<string, unknown> },
  );

async function onPlan(userId: string, fields: { allowedModels?: string[]; rateLimitPerMinute?: number | null; rateLimitPerHour?: number | null }) {
  const plan = await createPlan(t.db, cliActor, { key: `p-${randomUUID().slice(0, 8)}`, name: "Starter Lite", monthlyCredits: "0", priceCents: 0, ...fields });
  await assignPlan(t.db, cliActor, { userId, planId: plan.id });
  return plan;
}

describe("model_not_in_plan", () => {
  it("refuses an agent whose model the plan does not include, before anything is reserved, created or called", async () => {
    const w = await roomWorld(t.db, "manual", [
      { key: "writer", modelAlias: "llama" },
      { key: "critic", modelAlias: "qwen" },
    ]);
    const plan = await onPlan(w.user.id, { allowedModels: ["llama"] });
    const calls = engine.fake.requests.length;

    const refused = await errorOf(send(w.user.id, w.session.id, "@writer @critic review this"));
    expect(refused).toMatchObject({ code: "model_not_in_plan", details: { plan: "Starter Lite", planKey: plan.key, model: "qwen", agentKey: "critic" } });
    expect(refused.message).toBe(`Your plan "Starter Lite" does not include the model "qwen" (agent @critic). Change plan on Usage & billing.`);
    expect(await t.db.turn.count({ where: { userId: w.user.id } })).toBe(0);
    expect(await t.db.walletReservation.count({ where: { userId: w.user.id } })).toBe(0);
    expect(await t.db.message.count({ where: { sessionId: w.session.id } })).toBe(0);
    expect(engine.fake.requests.length).toBe(calls);

    // The allowed agent alone is fine.
    expect((await send(w.user.id, w.session.id, "@writer draft it")).status).toBe("queued");
  });

  it("always allows the built-in offline model, and an empty allow-list allows every model", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "offline", modelAlias: "local" }]);
    await onPlan(w.user.id, { allowedModels: ["llama"] });
    expect((await send(w.user.id, w.session.id, "Hello")).status).toBe("queued");

    const all = await roomWorld(t.db, "roundtable", [{ key: "a", modelAlias: "qwen" }]);
    await onPlan(all.user.id, { allowedModels: [] });
    expect((await send(all.user.id, all.session.id, "Hello")).status).toBe("queued");
  });

  it("counts the orchestrator's manager model", async () => {
    await setSetting(t.db, "orchestrator.manager_model", "qwen");
    const w = await roomWorld(t.db, "orchestrator", [{ key: "writer", modelAlias: "llama" }]);
    await onPlan(w.user.id, { allowedModels: ["llama"] });
    expect(await errorOf(send(w.user.id, w.session.id, "Plan the launch"))).toMatchObject({ code: "model_not_in_plan", details: { model: "qwen", agentKey: null } });
  });
});

describe("plan rate limits", () => {
  it("replace the global per-minute limit for the plan's users, and refusals for the plan do not count toward it", async () => {
    const w = await roomWorld(t.db, "manual", [
      { key: "writer", modelAlias: "llama" },
      { key: "critic", modelAlias: "qwen" },
    ]);
    await onPlan(w.user.id, { allowedModels: ["llama"], rateLimitPerMinute: 2 });
    const sessions = [w.session, await createSession(t.db, w.user.id, { roomId: w.room.id }), await createSession(t.db, w.user.id, { roomId: w.room.id })];

    for (let i = 0; i < 5; i++) expect(await errorOf(send(w.user.id, sessions[0]!.id, "@critic again"))).toMatchObject({ code: "model_not_in_plan" });
    await send(w.user.id, sessions[0]!.id, "@writer one");
    await send(w.user.id, sessions[1]!.id, "@writer two");
    // The global limit is 10 a minute; the plan's 2 applies.
    expect(await errorOf(send(w.user.id, sessions[2]!.id, "@writer three"))).toMatchObject({ code: "rate_limited", details: { limit: 2, windowSeconds: 60 } });

    // Another user, on the default plan (no override), keeps the global limit.
    const free = await roomWorld(t.db, "manual", [{ key: "writer", modelAlias: "llama" }]);
    const freeSessions = [free.session, await createSession(t.db, free.user.id, { roomId: free.room.id }), await createSession(t.db, free.user.id, { roomId: free.room.id })];
    for (const s of freeSessions) expect((await send(free.user.id, s.id, "@writer go")).status).toBe("queued");
  });

  it("replace the global per-hour limit too", async () => {
    const w = await roomWorld(t.db, "manual", [{ key: "writer", modelAlias: "llama" }]);
    await onPlan(w.user.id, { rateLimitPerHour: 1 });
    const second = await createSession(t.db, w.user.id, { roomId: w.room.id });
    await send(w.user.id, w.session.id, "@writer one");
    expect(await errorOf(send(w.user.id, second.id, "@writer two"))).toMatchObject({ code: "rate_limited", details: { limit: 1, windowSeconds: 3600 } });
  });
});
