/**
 * Models and providers end to end, in process (PRODUCT.md 13): two OpenAI-compatible servers at once
 * (one shaped like OpenRouter, publishing prices in GET /models, one like Ollama, publishing none),
 * discovered, imported, priced and enabled; agents on each answer in one roundtable turn with a
 * ledger row each naming its provider and price. Each HTTP attempt is its own ledger row; a provider
 * that refuses connections ends the step `provider_unavailable`, or its model's fallback answers.
 * A price change makes a new pricing version for later calls only. An enabled model always has a
 * price. Keys are sealed at rest and never leave the server; env providers keep theirs in the env.
 */
import { Decimal } from "decimal.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditActor } from "@/server/domain/admin/audit.ts";
import { checkHealth } from "@/server/domain/health/check-health.ts";
import { summarizeUsage, usageSummaryInput } from "@/server/domain/metering/usage.ts";
import { setSetting } from "@/server/domain/settings/settings.ts";
import { decryptSecret } from "@/server/crypto/secret-box.ts";
import { isAppError } from "@/server/errors.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { closedPortURL, roleOf, startFakeOpenAI, type FakeOpenAI } from "@/test/fake-openai.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { bootstrapModels } from "./bootstrap.ts";
import { loadCatalog } from "./catalog.ts";
import { chooseModel } from "./model-choice.ts";
import { importModels, importModelsInput, setModelChoice, setPrices, setPricesInput, updateModel } from "./model-admin.ts";
import { perMillionFromPerToken } from "./pricing.ts";
import { createProvider, createProviderInput, listProviders, testProvider } from "./providers.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t, { fakeOpenAI: false });
const owner: AuditActor = { id: null, label: "owner@example.com" };

let routerLike: FakeOpenAI;
let ollamaLike: FakeOpenAI;
const SECRET = "sk-or-test-secret-7f3a";

beforeAll(async () => {
  routerLike = await startFakeOpenAI((r) => `${roleOf(r)} (router) Answer.`, {
    models: [
      { id: "acme/large", name: "Acme Large", context_length: 200000, pricing: { prompt: "0.000002", completion: "0.000008", input_cache_read: "0.0000002" } },
      { id: "acme/small", name: "Acme Small", context_length: 32000, pricing: { prompt: "0.0000001", completion: "0.0000004" } },
    ],
  });
  ollamaLike = await startFakeOpenAI((r) => `${roleOf(r)} (local server) Answer.`, {
    models: [{ id: "llama3.2:3b", object: "model", owned_by: "library" }],
  });
  await setSetting(t.db, "turns.rate_limit_per_minute", 10_000);
  await setSetting(t.db, "turns.rate_limit_per_hour", 10_000);
});
afterAll(async () => {
  await routerLike?.close();
  await ollamaLike?.close();
});

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (isAppError(e) ? e : Promise.reject(e)));

async function addRouterLike() {
  const provider = await createProvider(t.db, owner, createProviderInput.parse({ name: "Acme Router", preset: "custom", baseUrl: routerLike.baseURL, apiKey: SECRET }));
  const { models } = await testProvider(t.db, { id: provider.id });
  await importModels(
    t.db,
    owner,
    importModelsInput.parse({
      providerId: provider.id,
      models: models.map((m) => ({
        providerModel: m.providerModel,
        alias: m.providerModel.replace("acme/", "acme-"),
        label: m.label,
        contextWindow: m.contextWindow,
        price: { multiplier: "2", ...perMillionFromPerToken(m.prices!) },
      })),
    }),
  );
  return provider;
}

describe("models and providers", () => {
  it("use the offline model for the manager and summaries while nothing else is usable", async () => {
    const catalog = await loadCatalog(t.db);
    expect(chooseModel(catalog, { "orchestrator.manager_model": null, "summary.model": null }, "manager")).toMatchObject({ alias: "local", source: "offline" });
    expect([...catalog.values()].filter((m) => m.unavailableReason === null).map((m) => m.alias)).toEqual(["local"]);
    expect(catalog.get("llama")?.unavailableReason).toContain("disabled");
  });

  it("discover a provider's models with published prices, import, price and enable them, keeping the key sealed", async () => {
    const provider = await addRouterLike();
    // The key was sent as a bearer token, and is stored only as ciphertext.
    expect(routerLike.modelListRequests.at(-1)?.authorization).toBe(`Bearer ${SECRET}`);
    const [row] = await t.db.$queryRaw<{ api_key_ciphertext: string; api_key_last4: string }[]>`SELECT api_key_ciphertext, api_key_last4 FROM llm_providers WHERE id = ${provider.id}::uuid`;
    expect(row!.api_key_ciphertext).toMatch(/^v1\./);
    expect(row!.api_key_ciphertext).not.toContain(SECRET);
    expect(decryptSecret(row!.api_key_ciphertext)).toBe(SECRET);
    expect(row!.api_key_last4).toBe("7f3a");
    // Nothing that leaves the server holds the key: provider views, audit rows.
    expect(JSON.stringify(await listProviders(t.db))).not.toContain(SECRET);
    expect(JSON.stringify(await t.db.adminAuditLog.findMany())).not.toContain(SECRET);

    const catalog = await loadCatalog(t.db);
    expect(catalog.get("acme-large")).toMatchObject({ contextWindow: 200000, enabled: true, unavailableReason: null, price: { multiplier: "2", inputUsdPerToken: "0.000002", cachedInputUsdPerToken: "0.0000002", outputUsdPerToken: "0.000008" } });
    // The cached price defaults to the input price when the provider publishes none.
    expect(catalog.get("acme-small")?.price).toMatchObject({ inputUsdPerToken: "0.0000001", cachedInputUsdPerToken: "0.0000001" });
    // With real models usable, the manager and summaries pick one and say which.
    expect(chooseModel(catalog, { "orchestrator.manager_model": null, "summary.model": null }, "summary")).toMatchObject({ alias: "acme-large", source: "automatic" });
  });

  it("refuse to enable a model with no price, and start-up names an enabled model that has none", async () => {
    const provider = await createProvider(t.db, owner, createProviderInput.parse({ name: "Local server", preset: "ollama", baseUrl: ollamaLike.baseURL }));
    const { models } = await testProvider(t.db, { id: provider.id });
    expect(models).toEqual([{ providerModel: "llama3.2:3b", label: "llama3.2:3b", contextWindow: null, maxOutput: null, prices: null }]);
    const unpriced = importModelsInput.parse({ providerId: provider.id, models: [{ providerModel: "llama3.2:3b", alias: "llama3.2", label: "Llama 3.2 3B", contextWindow: 8192 }] });
    expect(await errorOf(importModels(t.db, owner, unpriced))).toMatchObject({ code: "model_unpriced" });
    expect(await t.db.llmModel.count({ where: { alias: "llama3.2" } })).toBe(0);

    await importModels(t.db, owner, { ...unpriced, models: unpriced.models.map((m) => ({ ...m, enabled: false })) });
    expect(await errorOf(updateModel(t.db, owner, { alias: "llama3.2", enabled: true }))).toMatchObject({ code: "model_unpriced" });
    await setPrices(t.db, owner, setPricesInput.parse({ changes: [{ alias: "llama3.2", price: { multiplier: "0.5", inputPerMTokUsd: "0", outputPerMTokUsd: "0" } }] }));
    await updateModel(t.db, owner, { alias: "llama3.2", enabled: true });

    // Only SQL can make an enabled model with no price: start-up and health report it by name.
    await t.db.$executeRaw`INSERT INTO llm_models (alias, provider_id, provider_model, label, context_window, enabled) VALUES ('rogue', ${provider.id}::uuid, 'rogue', 'Rogue', 4096, true)`;
    expect(await bootstrapModels(t.db, {})).toEqual({ unpriced: ["rogue"] });
    expect((await checkHealth({ getDb: () => t.db })).unpricedModels).toEqual(["rogue"]);
    await t.db.llmModel.delete({ where: { alias: "rogue" } });
  });

  it("answer in one roundtable turn from two providers, each call in the ledger with its provider and price", async () => {
    const w = await roomWorld(t.db, "roundtable", [
      { key: "router", name: "Router", modelAlias: "acme-small" },
      { key: "local", name: "Local", modelAlias: "llama3.2" },
    ]);
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Compare.");
    expect(turn.status).toBe("completed");
    expect(turn.messages.filter((m) => m.role === "assistant").map((m) => m.content)).toEqual(["You are Router. (router) Answer.", "You are Local. (local server) Answer."]);
    expect(routerLike.requests.at(-1)).toMatchObject({ authorization: `Bearer ${SECRET}`, body: { model: "acme/small" } });
    expect(ollamaLike.requests.at(-1)?.body.model).toBe("llama3.2:3b");

    const rows = await t.db.llmCallEvent.findMany({ where: { turnId: turn.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.provider, r.modelAlias, r.providerModel, r.multiplier.toString(), r.status])).toEqual([
      ["acme-router", "acme-small", "acme/small", "2", "success"],
      ["local-server", "llama3.2", "llama3.2:3b", "0.5", "success"],
    ]);
    const small = rows[0]!;
    const expectedCost = new Decimal(small.inputTokensFresh).mul("0.0000001").plus(new Decimal(small.inputTokensCached).mul("0.0000001")).plus(new Decimal(small.outputTokens).mul("0.0000004"));
    expect(small.providerCostUsd.toString()).toBe(expectedCost.toString());
    // Health from the real calls.
    const health = await checkHealth({ getDb: () => t.db });
    expect(health.providers.find((p) => p.key === "acme-router")).toMatchObject({ ok: true, lastErrorAt: null });
    expect(health.providers.find((p) => p.key === "acme-router")?.lastSuccessAt).toBeInstanceOf(Date);
  });

  it("write one ledger row per HTTP attempt: a 500 then a success is attempts 1 and 2, each billed once", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "flaky", modelAlias: "acme-small" }]);
    let calls = 0;
    routerLike.script((r) => (++calls === 1 ? { status: 500, message: "upstream hiccup" } : `${roleOf(r)} Second try.`));
    const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Try.");
    routerLike.script((r) => `${roleOf(r)} (router) Answer.`);
    expect(turn.status).toBe("completed");
    expect(turn.steps).toHaveLength(1);
    expect(turn.steps[0]).toMatchObject({ status: "succeeded", attempt: 2, output: "You are flaky. Second try." });

    const rows = await t.db.llmCallEvent.findMany({ where: { turnId: turn.id }, orderBy: { idempotencyKey: "asc" } });
    expect(rows.map((r) => [r.idempotencyKey.split(":").slice(1).join(":"), r.status, r.errorCode])).toEqual([
      ["1:1", "error", "provider_error"],
      ["1:2", "success", null],
    ]);
    expect(rows.every((r) => r.creditsBurned.gt(0))).toBe(true);
    const debits = await t.db.creditTransaction.findMany({ where: { userId: w.user.id, kind: "debit" } });
    expect(debits.map((d) => d.referenceId).sort()).toEqual(rows.map((r) => r.idempotencyKey).sort());
    expect(debits.reduce((sum, d) => sum.plus(d.amount.neg()), new Decimal(0)).toString()).toBe(rows.reduce((sum, r) => sum.plus(r.creditsBurned), new Decimal(0)).toString());
    expect(await t.db.walletReservation.count({ where: { userId: w.user.id } })).toBe(0);
  });

  it("end a step provider_unavailable when the provider refuses connections, unless the model's fallback answers", async () => {
    const down = await createProvider(t.db, owner, createProviderInput.parse({ name: "Down", preset: "custom", baseUrl: await closedPortURL() }));
    await importModels(t.db, owner, importModelsInput.parse({ providerId: down.id, models: [{ providerModel: "gone", alias: "gone", label: "Gone", contextWindow: 8192, price: { multiplier: "1", inputPerMTokUsd: "1", outputPerMTokUsd: "1" } }] }));

    const w = await roomWorld(t.db, "roundtable", [{ key: "stranded", modelAlias: "gone" }]);
    const failed = await sendAndRun(engine.deps, w.user.id, w.session.id, "Anyone?");
    expect(failed.status).toBe("failed");
    expect(failed.steps[0]).toMatchObject({ status: "failed", errorCode: "provider_unavailable" });
    const [refused] = await t.db.llmCallEvent.findMany({ where: { turnId: failed.id } });
    expect(refused).toMatchObject({ provider: "down", status: "error", errorCode: "provider_unavailable", totalTokens: 0 });
    expect(refused!.creditsBurned.toString()).toBe("0");
    expect((await checkHealth({ getDb: () => t.db })).providers.find((p) => p.key === "down")).toMatchObject({ ok: false, lastSuccessAt: null });

    await updateModel(t.db, owner, { alias: "gone", fallbackAlias: "acme-small" });
    const rescued = await sendAndRun(engine.deps, w.user.id, w.session.id, "Anyone now?");
    expect(rescued.status).toBe("completed");
    expect(rescued.steps[0]).toMatchObject({ status: "succeeded", modelAlias: "acme-small", attempt: 2, metadata: { fallbackFrom: "gone" }, output: "You are stranded. (router) Answer." });
    const rows = await t.db.llmCallEvent.findMany({ where: { turnId: rescued.id }, orderBy: { idempotencyKey: "asc" } });
    expect(rows.map((r) => [r.modelAlias, r.provider, r.status, r.errorCode, r.fallbackFrom])).toEqual([
      ["gone", "down", "error", "provider_unavailable", null],
      ["acme-small", "acme-router", "success", null, "gone"],
    ]);
    const events = await t.db.turnEvent.findMany({ where: { turnId: rescued.id, type: "step_started" }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.payload)).toMatchObject([{ attempt: 1, agent: { model: "gone" } }, { attempt: 2, agent: { model: "acme-small" }, fallbackFrom: "gone" }]);

    // A plan that includes the model but not its fallback: the fallback is not called (the send
    // would have refused it with model_not_in_plan).
    const plan = await t.db.plan.create({ data: { key: "gone-only", name: "Gone only", monthlyCredits: 0, allowedModels: ["gone"] } });
    await t.db.subscription.create({ data: { userId: w.user.id, planId: plan.id, source: "manual", currentPeriodStart: new Date(), currentPeriodEnd: new Date(Date.now() + 86_400_000) } });
    const kept = await sendAndRun(engine.deps, w.user.id, w.session.id, "Anyone, on my plan?");
    expect(kept.status).toBe("failed");
    expect(kept.steps[0]).toMatchObject({ status: "failed", errorCode: "provider_unavailable", attempt: 1 });
    expect((await t.db.llmCallEvent.findMany({ where: { turnId: kept.id } })).map((r) => r.modelAlias)).toEqual(["gone"]);
  });

  it("bill calls after a price change at the new version, those before at the old, and the summary adds both", async () => {
    const w = await roomWorld(t.db, "roundtable", [{ key: "steady", modelAlias: "acme-large" }]);
    const before = await sendAndRun(engine.deps, w.user.id, w.session.id, "Morning.");
    const { pricingVersion } = await setPrices(t.db, owner, setPricesInput.parse({ changes: [{ alias: "acme-large", price: { multiplier: "3", inputPerMTokUsd: "4", outputPerMTokUsd: "16" } }], note: "Midday change" }));
    const after = await sendAndRun(engine.deps, w.user.id, w.session.id, "Afternoon.");

    const [early] = await t.db.llmCallEvent.findMany({ where: { turnId: before.id } });
    const [late] = await t.db.llmCallEvent.findMany({ where: { turnId: after.id } });
    expect(late!.pricingVersion).toBe(pricingVersion);
    expect(early!.pricingVersion).toBe(pricingVersion - 1);
    expect([early!.multiplier.toString(), late!.multiplier.toString()]).toEqual(["2", "3"]);
    // The other models' prices were carried into the new version unchanged.
    expect((await loadCatalog(t.db)).get("acme-small")?.price).toMatchObject({ pricingVersion, multiplier: "2" });

    const today = new Date().toISOString().slice(0, 10);
    const summary = await summarizeUsage(t.db, w.user.id, usageSummaryInput.parse({ from: today, to: today, groupBy: "model" }));
    const row = summary.groups.find((g) => g.key === "acme-large");
    expect(new Decimal(row!.credits).eq(early!.creditsBurned.plus(late!.creditsBurned))).toBe(true);
    expect(row!.calls).toBe(2);
  });

  it("apply a chosen manager model, and fall back to the best available when it cannot be used", async () => {
    await setModelChoice(t.db, owner, { role: "manager", alias: "acme-small" });
    const settings = { "orchestrator.manager_model": "acme-small", "summary.model": null };
    expect(chooseModel(await loadCatalog(t.db), settings, "manager")).toMatchObject({ alias: "acme-small", source: "chosen" });
    expect(await errorOf(setModelChoice(t.db, owner, { role: "summary", alias: "gone-for-good" }))).toMatchObject({ code: "model_unavailable" });
    await updateModel(t.db, owner, { alias: "acme-small", enabled: false });
    const fallback = chooseModel(await loadCatalog(t.db), settings, "manager");
    expect(fallback).toMatchObject({ alias: "acme-large", source: "automatic" });
    expect(fallback.note).toContain("acme-small is unavailable");
    await updateModel(t.db, owner, { alias: "acme-small", enabled: true });
    const audit = await t.db.adminAuditLog.findMany({ where: { targetType: "setting" } });
    expect(audit).toHaveLength(1);
  });

  it("take OpenRouter from the environment, keeping the key there and enabling the old aliases", async () => {
    process.env.OPENROUTER_API_KEY = "sk-from-env-9999";
    try {
      await bootstrapModels(t.db, { OPENROUTER_API_KEY: "sk-from-env-9999", LLM_BASE_URL: routerLike.baseURL });
      const row = await t.db.llmProvider.findUniqueOrThrow({ where: { key: "openrouter" } });
      expect(row).toMatchObject({ enabled: true, baseUrl: routerLike.baseURL, apiKeyEnv: "OPENROUTER_API_KEY", apiKeyCiphertext: null });
      expect((await listProviders(t.db)).find((p) => p.key === "openrouter")).toMatchObject({ apiKeySource: "env", apiKeyLast4: "9999", configured: true });
      expect((await loadCatalog(t.db)).get("llama")?.unavailableReason).toBeNull();

      const w = await roomWorld(t.db, "roundtable", [{ key: "classic", modelAlias: "llama" }]);
      await sendAndRun(engine.deps, w.user.id, w.session.id, "Hello.");
      expect(routerLike.requests.at(-1)).toMatchObject({ authorization: "Bearer sk-from-env-9999", body: { model: "meta-llama/llama-3.3-70b-instruct" } });
      // A second start changes nothing (and audits nothing).
      const audits = await t.db.adminAuditLog.count({ where: { actorLabel: "env" } });
      await bootstrapModels(t.db, { OPENROUTER_API_KEY: "sk-from-env-9999", LLM_BASE_URL: routerLike.baseURL });
      expect(await t.db.adminAuditLog.count({ where: { actorLabel: "env" } })).toBe(audits);
    } finally {
      delete process.env.OPENROUTER_API_KEY;
    }
    expect((await loadCatalog(t.db)).get("llama")?.unavailableReason).toContain("no API key");
  });
});
