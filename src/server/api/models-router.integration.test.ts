/**
 * The models router through the real tRPC adapter and database, with real API tokens: who may call
 * what (every procedure enumerated from the router), that a saved API key never leaves the server
 * and is sealed in the database, price changes as new pricing versions, and no enabled model
 * without a price. Providers point at a local fake OpenAI-compatible server.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserRole } from "@/generated/prisma/client.ts";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { startFakeOpenAI, type FakeOpenAI } from "@/test/fake-openai.ts";
import { callApi, procedureType } from "@/test/trpc-http.ts";
import { appRouter } from "./root.ts";

const t = databaseForThisFile();

const API_KEY = "sk-test-0123456789abcdef-SECRET-wxyz";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI(() => "fake reply", {
    models: [
      { id: "acme/large-1", name: "Acme Large", context_length: 128_000, pricing: { prompt: "0.000002", completion: "0.000008" } },
      { id: "acme/small-1", context_length: 32_000 },
    ],
  });
});
afterAll(async () => {
  await fake?.close();
});

async function userWithRole(role: UserRole) {
  const user = await ensureUserByEmail(t.db, `${role}-${randomUUID()}@example.com`);
  await t.db.user.update({ where: { id: user.id }, data: { role } });
  const { token } = await createApiToken(t.db, user.id, { name: "test" });
  const call = (path: string, input?: unknown) => callApi(t.db, path, { token, input });
  const api = async (path: string, input?: unknown) => {
    const res = await call(path, input);
    if (res.error) throw new Error(`${path} → ${res.status} ${res.error.appCode}: ${res.error.message}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read results loosely
    return res.data as any;
  };
  return { user, token, call, api };
}

const modelsProcedures = Object.keys(appRouter._def.procedures).filter((p) => p.startsWith("models."));
const reads = modelsProcedures.filter((p) => procedureType(p) === "query");
const writes = modelsProcedures.filter((p) => procedureType(p) === "mutation");

/** A valid input for each procedure (so only the role can refuse it), from a provider and a model that exist. */
function inputsFor(w: { providerId: string; alias: string }): Record<string, unknown> {
  return {
    "models.list": undefined,
    "models.catalog": undefined,
    "models.choices": undefined,
    "models.setChoice": { role: "manager", alias: null },
    "models.update": { alias: w.alias, label: "Renamed" },
    "models.setPrices": { changes: [{ alias: w.alias, price: { multiplier: 1, inputPerMTokUsd: "1", outputPerMTokUsd: "2" } }] },
    "models.import": { providerId: w.providerId, models: [{ providerModel: "acme/small-1", alias: `small-${randomUUID().slice(0, 8)}`, label: "Small", contextWindow: 32_000, enabled: false }] },
    "models.providers.list": undefined,
    "models.providers.create": { name: `Other ${randomUUID().slice(0, 8)}`, preset: "custom", baseUrl: fake.baseURL },
    "models.providers.update": { id: w.providerId, name: "Renamed provider" },
    "models.providers.delete": { id: w.providerId },
    "models.providers.test": { id: w.providerId },
    "models.providers.discover": { id: w.providerId },
  };
}

/** An owner's provider on the fake server, with an API key, and one model imported from it (priced, enabled). */
async function world() {
  const owner = await userWithRole("owner");
  const provider = await owner.api("models.providers.create", { name: `Acme ${randomUUID().slice(0, 8)}`, preset: "custom", baseUrl: fake.baseURL, apiKey: API_KEY });
  const alias = `acme-large-${randomUUID().slice(0, 8)}`;
  await owner.api("models.import", {
    providerId: provider.id,
    models: [{ providerModel: "acme/large-1", alias, label: "Acme Large", contextWindow: 128_000, price: { multiplier: 1, inputPerMTokUsd: "2", outputPerMTokUsd: "8" }, enabled: true }],
  });
  return { owner, provider, providerId: provider.id as string, alias };
}

describe("roles", () => {
  it("covers every procedure of the models router", () => {
    const inputs = inputsFor({ providerId: randomUUID(), alias: "x" });
    expect(modelsProcedures.length).toBeGreaterThan(0);
    expect(modelsProcedures.filter((p) => !(p in inputs))).toEqual([]);
    expect(reads).toEqual(expect.arrayContaining(["models.list", "models.catalog", "models.choices", "models.providers.list"]));
  });

  it("a user may call models.list, and gets FORBIDDEN admin_only on every other procedure", async () => {
    const w = await world();
    const user = await userWithRole("user");
    const inputs = inputsFor(w);
    const auditBefore = await t.db.adminAuditLog.count();
    for (const path of modelsProcedures) {
      const res = await user.call(path, inputs[path]);
      if (path === "models.list") {
        expect(res.error, path).toBeNull();
        continue;
      }
      expect({ path, status: res.status, code: res.error?.code, appCode: res.error?.appCode }).toEqual({ path, status: 403, code: "FORBIDDEN", appCode: "admin_only" });
    }
    expect(await t.db.adminAuditLog.count()).toBe(auditBefore);
    expect(await t.db.llmProvider.findUnique({ where: { id: w.providerId } })).not.toBeNull();
  });

  it("an analyst reads everything and gets FORBIDDEN owner_only on every write", async () => {
    const w = await world();
    const analyst = await userWithRole("analyst");
    const inputs = inputsFor(w);
    for (const path of reads) {
      const res = await analyst.call(path, inputs[path]);
      expect(res.error, path).toBeNull();
    }
    const auditBefore = await t.db.adminAuditLog.count();
    const listsBefore = fake.modelListRequests.length;
    for (const path of writes) {
      const res = await analyst.call(path, inputs[path]);
      expect({ path, status: res.status, code: res.error?.code, appCode: res.error?.appCode }).toEqual({ path, status: 403, code: "FORBIDDEN", appCode: "owner_only" });
    }
    // Refused before doing anything: no audit row, no call to the provider, the provider still there.
    expect(await t.db.adminAuditLog.count()).toBe(auditBefore);
    expect(fake.modelListRequests.length).toBe(listsBefore);
    expect((await t.db.llmProvider.findUniqueOrThrow({ where: { id: w.providerId } })).name).toBe(w.provider.name);
  });

  it("an owner can call every procedure", async () => {
    const w = await world();
    const inputs = inputsFor(w);
    // delete last: the others need the provider. Its model is in no agent, so it may go.
    for (const path of [...modelsProcedures.filter((p) => p !== "models.providers.delete"), "models.providers.delete"]) {
      const res = await w.owner.call(path, inputs[path]);
      expect(res.error, `${path}: ${res.error?.message}`).toBeNull();
    }
  });
});

describe("API keys", () => {
  it("are never in any procedure's output, and are sealed in the database", async () => {
    const w = await world();
    const outputs: unknown[] = [w.provider];
    const inputs = inputsFor(w);
    for (const path of reads) outputs.push((await w.owner.call(path, inputs[path])).data);
    outputs.push(await w.owner.api("models.providers.test", { id: w.providerId }));
    outputs.push(await w.owner.api("models.providers.discover", { id: w.providerId }));
    outputs.push(await w.owner.api("models.providers.update", { id: w.providerId, extraHeaders: { "X-Team": "research" } }));
    for (const output of outputs) {
      expect(output).toBeDefined();
      const json = JSON.stringify(output);
      expect(json).not.toContain(API_KEY);
      expect(json).not.toContain(API_KEY.slice(0, -4));
    }
    // What the console shows instead: where the key comes from and its last 4.
    const listed = (await w.owner.api("models.providers.list")).find((p: { id: string }) => p.id === w.providerId);
    expect(listed).toMatchObject({ apiKeySource: "saved", apiKeyLast4: "wxyz" });

    // Sealed at rest, and still what the provider is called with.
    const [row] = await t.db.$queryRaw<{ api_key_ciphertext: string }[]>`SELECT api_key_ciphertext FROM llm_providers WHERE id = ${w.providerId}::uuid`;
    expect(row!.api_key_ciphertext).not.toBe(API_KEY);
    expect(row!.api_key_ciphertext).not.toContain(API_KEY);
    expect(row!.api_key_ciphertext.startsWith("v1.")).toBe(true);
    expect(fake.modelListRequests.at(-1)?.authorization).toBe(`Bearer ${API_KEY}`);

    // Nor in the audit log.
    const audit = await t.db.adminAuditLog.findMany({ where: { targetId: w.providerId } });
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain(API_KEY);
  });
});

describe("discovery", () => {
  it("marks models already imported and prefills published prices per million tokens", async () => {
    const w = await world();
    const found = await w.owner.api("models.providers.discover", { id: w.providerId });
    expect(found.models).toEqual([
      { providerModel: "acme/large-1", label: "Acme Large", contextWindow: 128_000, maxOutput: null, importedAs: w.alias, prices: { inputPerMTokUsd: "2", cachedInputPerMTokUsd: "2", outputPerMTokUsd: "8" } },
      { providerModel: "acme/small-1", label: "acme/small-1", contextWindow: 32_000, maxOutput: null, importedAs: null, prices: null },
    ]);
  });

  it("says clearly when the provider cannot be reached", async () => {
    const owner = await userWithRole("owner");
    const res = await owner.call("models.providers.test", { baseUrl: "http://127.0.0.1:9/v1" });
    expect(res.error).toMatchObject({ code: "BAD_GATEWAY", appCode: "provider_unreachable" });
    expect(res.error!.message).toMatch(/Could not connect to http:\/\/127\.0\.0\.1:9\/v1/);
  });
});

describe("pricing", () => {
  it("models.setPrices makes a new pricing version that models.catalog shows", async () => {
    const w = await world();
    const before = (await w.owner.api("models.catalog")).find((m: { alias: string }) => m.alias === w.alias);
    expect(before.price).toMatchObject({ inputPerMTokUsd: "2", outputPerMTokUsd: "8", multiplier: "1" });
    const { pricingVersion } = await w.owner.api("models.setPrices", { changes: [{ alias: w.alias, price: { multiplier: "1.5", inputPerMTokUsd: "3", outputPerMTokUsd: "12" } }], note: "Acme raised prices" });
    expect(pricingVersion).toBeGreaterThan(before.price.pricingVersion);
    const after = await w.owner.api("models.catalog");
    const model = after.find((m: { alias: string }) => m.alias === w.alias);
    expect(model.price).toEqual({ pricingVersion, multiplier: "1.5", inputPerMTokUsd: "3", cachedInputPerMTokUsd: "3", outputPerMTokUsd: "12" });
    // Every model is read from the new active version.
    for (const m of after.filter((x: { price: unknown }) => x.price)) expect(m.price.pricingVersion).toBe(pricingVersion);
    // And users see the same price in models.list.
    const user = await userWithRole("user");
    expect((await user.api("models.list")).find((m: { alias: string }) => m.alias === w.alias).price).toMatchObject({ pricingVersion, outputPerMTokUsd: "12" });
  });

  it("an unpriced model cannot be enabled (model_unpriced), by import or by update", async () => {
    const w = await world();
    const alias = `small-${randomUUID().slice(0, 8)}`;
    const refused = await w.owner.call("models.import", { providerId: w.providerId, models: [{ providerModel: "acme/small-1", alias, label: "Small", contextWindow: 32_000, enabled: true }] });
    expect(refused.error).toMatchObject({ code: "UNPROCESSABLE_CONTENT", appCode: "model_unpriced" });
    expect(await t.db.llmModel.findUnique({ where: { alias } })).toBeNull();

    await w.owner.api("models.import", { providerId: w.providerId, models: [{ providerModel: "acme/small-1", alias, label: "Small", contextWindow: 32_000, enabled: false }] });
    const res = await w.owner.call("models.update", { alias, enabled: true });
    expect(res.error).toMatchObject({ code: "UNPROCESSABLE_CONTENT", appCode: "model_unpriced" });
    expect((await t.db.llmModel.findUniqueOrThrow({ where: { alias } })).enabled).toBe(false);
    const listed = (await w.owner.api("models.list")).find((m: { alias: string }) => m.alias === alias);
    expect(listed).toMatchObject({ available: false, unavailableReason: "it is disabled", price: null });

    // Priced, it can.
    await w.owner.api("models.setPrices", { changes: [{ alias, price: { multiplier: 1, inputPerMTokUsd: "0.5", outputPerMTokUsd: "1" } }] });
    await w.owner.api("models.update", { alias, enabled: true });
    expect((await w.owner.api("models.list")).find((m: { alias: string }) => m.alias === alias)).toMatchObject({ available: true, unavailableReason: null });
  });
});

describe("model choices", () => {
  it("an owner chooses the manager model; Automatic (null) names the model it picks", async () => {
    const w = await world();
    const chosen = await w.owner.api("models.setChoice", { role: "manager", alias: w.alias });
    expect(chosen.manager).toMatchObject({ setting: w.alias, effective: { alias: w.alias, source: "chosen" } });
    const automatic = await w.owner.api("models.setChoice", { role: "manager", alias: null });
    expect(automatic.manager.setting).toBeNull();
    expect(automatic.manager.effective.source).toBe("automatic");
    expect(automatic.manager.effective.note).toContain(automatic.manager.effective.alias);
    const refused = await w.owner.call("models.setChoice", { role: "summary", alias: "no-such-model" });
    expect(refused.error).toMatchObject({ appCode: "model_unavailable" });
  });

  it("agents.models is the same list as models.list", async () => {
    const user = await userWithRole("user");
    expect(await user.api("agents.models")).toEqual(await user.api("models.list"));
  });
});
