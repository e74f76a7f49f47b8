/**
 * Settings from the console over HTTP: the list shows every key with its default and its form; a
 * change is checked by the key's schema (BAD_REQUEST invalid_input with the reason, nothing written
 * or recorded), audited once with before and after, and read by another process's connection at
 * once (nothing caches settings); a reset removes the row and goes back to the default.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import { createDb } from "@/server/db.ts";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { callApi } from "@/test/trpc-http.ts";
import { getSettings, settingKeys } from "./settings.ts";

const t = databaseForThisFile();
let owner: { id: string; email: string; token: string };
beforeAll(async () => {
  const user = await ensureUserByEmail(t.db, `owner-${randomUUID()}@example.com`);
  await t.db.user.update({ where: { id: user.id }, data: { role: "owner" } });
  owner = { id: user.id, email: user.email!, token: (await createApiToken(t.db, user.id, { name: "test" })).token };
});

const api = (path: string, input?: unknown) => callApi(t.db, path, { token: owner.token, input });

it("lists every key with its value, default, whether set and its form", async () => {
  const res = await api("admin.settings.list");
  expect(res.error).toBeNull();
  expect(res.data.map((s: { key: string }) => s.key)).toEqual(settingKeys);
  const rounds = res.data.find((s: { key: string }) => s.key === "orchestrator.max_rounds");
  expect(rounds).toMatchObject({
    group: "orchestrator", groupLabel: "Orchestrator", label: "Rounds per turn", value: 3, default: 3, isSet: false, managedBy: null,
    input: { type: "integer", min: 1, max: 10, nullable: false }, rule: "a whole number from 1 to 10",
  });
  expect(res.data.find((s: { key: string }) => s.key === "credits.enforcement")).toMatchObject({ input: { type: "boolean" }, value: true, default: true });
  expect(res.data.find((s: { key: string }) => s.key === "retention.chat_days")).toMatchObject({ group: "retention", input: { min: 0, max: 36_500 }, unit: "days" });
  expect(res.data.find((s: { key: string }) => s.key === "summary.model")).toMatchObject({ managedBy: "models", input: { type: "model", nullable: true } });
});

it("refuses a value its schema refuses, with the reason, writing and recording nothing", async () => {
  const audit = await t.db.adminAuditLog.count();
  const stored = await t.db.appSetting.findMany({ orderBy: { key: "asc" } });
  for (const [key, value] of [["orchestrator.max_rounds", 11], ["orchestrator.max_rounds", 2.5], ["orchestrator.max_rounds", "4"], ["credits.enforcement", 1], ["retention.chat_days", -1]] as const) {
    const res = await api("admin.settings.set", { key, value });
    expect(res.error, `${key}=${value}`).toMatchObject({ code: "BAD_REQUEST", appCode: "invalid_input", details: { field: key } });
  }
  expect((await api("admin.settings.set", { key: "orchestrator.max_rounds", value: 11 })).error!.message).toBe("Rounds per turn must be a whole number from 1 to 10.");
  expect((await api("admin.settings.set", { key: "no.such_key", value: 1 })).error).toMatchObject({ code: "BAD_REQUEST" });
  expect((await api("admin.settings.set", { key: "summary.model", value: "local" })).error).toMatchObject({ appCode: "invalid_input", details: { field: "summary.model" } });
  expect(await t.db.appSetting.findMany({ orderBy: { key: "asc" } })).toEqual(stored);
  expect(await t.db.adminAuditLog.count()).toBe(audit);
});

it("applies a change to another process's connection at once, audited once with before and after; reset goes back to the default", async () => {
  const other = createDb(t.url);
  try {
    expect((await getSettings(other))["credits.enforcement"]).toBe(true);
    const set = await api("admin.settings.set", { key: "credits.enforcement", value: false });
    expect(set.error).toBeNull();
    expect(set.data).toMatchObject({ key: "credits.enforcement", value: false, isSet: true });
    expect((await getSettings(other))["credits.enforcement"]).toBe(false);

    await api("admin.settings.set", { key: "orchestrator.max_rounds", value: 5 });
    await api("admin.settings.set", { key: "orchestrator.max_rounds", value: 6 });
    expect((await getSettings(other))["orchestrator.max_rounds"]).toBe(6);
    const reset = await api("admin.settings.reset", { key: "orchestrator.max_rounds" });
    expect(reset.data).toMatchObject({ value: 3, isSet: false });
    expect((await getSettings(other))["orchestrator.max_rounds"]).toBe(3);

    const rows = await t.db.adminAuditLog.findMany({ where: { targetType: "setting" }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => ({ actor: r.actorLabel, action: r.action, target: r.targetId, before: r.before, after: r.after }))).toEqual([
      { actor: owner.email, action: "setting.update", target: "credits.enforcement", before: { value: true }, after: { value: false } },
      { actor: owner.email, action: "setting.update", target: "orchestrator.max_rounds", before: { value: null }, after: { value: 5 } },
      { actor: owner.email, action: "setting.update", target: "orchestrator.max_rounds", before: { value: 5 }, after: { value: 6 } },
      { actor: owner.email, action: "setting.reset", target: "orchestrator.max_rounds", before: { value: 6 }, after: { value: 3, default: true } },
    ]);
  } finally {
    await other.$disconnect();
  }
});
