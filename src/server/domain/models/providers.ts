/**
 * Providers, as owners manage them (PRODUCT.md 13): add, edit, disable, remove, and test a
 * connection (which lists the provider's models). A saved API key is sealed (secret-box.ts) and only
 * its last 4 characters ever leave the server. Every write is audited in its transaction.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { LlmProvider } from "@/generated/prisma/client.ts";
import { encryptSecret, lastFour } from "../../crypto/secret-box.ts";
import { isUniqueViolation } from "../../db-errors.ts";
import { AppError } from "../../errors.ts";
import { discoverModels, DiscoveryError, type DiscoveredModel } from "../../llm/discovery.ts";
import { presetById, providerPreset } from "../../llm/presets.ts";
import { headersOf, providerApiKey } from "../../llm/provider-clients.ts";
import { recordAudit, type AuditActor } from "../admin/audit.ts";
import { text } from "../text.ts";
import { providerConfigured } from "./catalog.ts";
import { perMillionFromPerToken } from "./pricing.ts";

const baseUrl = z
  .url({ protocol: /^https?$/, error: "Use an http:// or https:// URL, like https://api.openai.com/v1" })
  .transform((u) => u.replace(/\/+$/, ""));
const headers = z
  .record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/, "Header names are letters, digits and '-'"), text().max(2000))
  .refine((h) => Object.keys(h).length <= 20, "At most 20 headers");
const apiKey = text().trim().min(1).max(500);

export const providerKey = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "Use 1-40 lowercase letters, digits, '-' or '_'");

export const createProviderInput = z.object({
  name: text().trim().min(1, "Give the provider a name").max(100),
  /** Stable: the ledger's `provider` column keeps it. Derived from the name when left out. */
  key: providerKey.optional(),
  preset: providerPreset,
  baseUrl: baseUrl.optional(),
  apiKey: apiKey.optional(),
  extraHeaders: headers.default({}),
  enabled: z.boolean().default(true),
});

export const updateProviderInput = z.object({
  id: z.uuid(),
  name: text().trim().min(1).max(100).optional(),
  baseUrl: baseUrl.optional(),
  /** A new key; null removes the saved one. */
  apiKey: apiKey.nullable().optional(),
  extraHeaders: headers.optional(),
  enabled: z.boolean().optional(),
});

/** Test unsaved details (the add form), or a saved provider. */
export const testProviderInput = z.union([
  z.object({ id: z.uuid() }),
  z.object({ baseUrl, apiKey: apiKey.optional(), extraHeaders: headers.default({}) }),
]);

/** A provider as every procedure returns it: never the key, only where it comes from and its last 4. */
export function providerView(p: LlmProvider & { _count?: { models: number } }) {
  const envKey = p.apiKeyEnv ? process.env[p.apiKeyEnv] : undefined;
  return {
    id: p.id,
    key: p.key,
    name: p.name,
    kind: p.kind,
    preset: p.preset,
    baseUrl: p.baseUrl,
    // As providerApiKey decides: the environment's key wins over a saved one.
    apiKeySource: envKey ? ("env" as const) : p.apiKeyCiphertext ? ("saved" as const) : null,
    apiKeyEnv: p.apiKeyEnv,
    apiKeyLast4: envKey ? lastFour(envKey) : p.apiKeyLast4,
    extraHeaderNames: Object.keys(headersOf(p.extraHeaders)),
    enabled: p.enabled,
    builtin: p.builtin,
    configured: providerConfigured(p),
    health: { lastSuccessAt: p.lastSuccessAt, lastErrorAt: p.lastErrorAt, lastError: p.lastError, latencyMs: p.lastLatencyMs },
    modelCount: p._count?.models ?? null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
export type ProviderView = ReturnType<typeof providerView>;

/** What the audit log keeps of a provider (no secret, no health). */
export function providerAuditView(p: LlmProvider) {
  const { health: _health, modelCount: _count, createdAt: _c, updatedAt: _u, ...rest } = providerView(p);
  return rest;
}

export async function listProviders(db: Db) {
  const rows = await db.llmProvider.findMany({ include: { _count: { select: { models: true } } }, orderBy: [{ builtin: "desc" }, { name: "asc" }] });
  return rows.map(providerView);
}

async function getProvider(db: Pick<Db, "llmProvider">, id: string) {
  const row = await db.llmProvider.findUnique({ where: { id } });
  if (!row) throw new AppError("not_found", "No such provider.");
  return row;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "provider";
}

function sealedKey(key: string | null | undefined) {
  if (key === undefined) return {};
  if (key === null) return { apiKeyCiphertext: null, apiKeyLast4: null };
  return { apiKeyCiphertext: encryptSecret(key), apiKeyLast4: lastFour(key) };
}

function conflictOf(error: unknown, input: { name?: string; key?: string }): never {
  if (isUniqueViolation(error)) throw new AppError("conflict", `A provider named "${input.name ?? input.key}" already exists.`, { field: "name" });
  throw error;
}

export async function createProvider(db: Db, actor: AuditActor, input: z.infer<typeof createProviderInput>) {
  const preset = presetById(input.preset);
  const url = input.baseUrl ?? preset.defaultBaseUrl;
  if (!url) throw new AppError("invalid_input", "A custom provider needs its base URL.", { field: "baseUrl" });
  if (preset.keyRequired && !input.apiKey) throw new AppError("invalid_input", `${preset.label} needs an API key.`, { field: "apiKey" });
  const key = input.key ?? slug(input.name);
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.llmProvider.create({
        data: { key, name: input.name, kind: "openai_compatible", preset: input.preset, baseUrl: url, extraHeaders: input.extraHeaders, enabled: input.enabled, ...sealedKey(input.apiKey) },
      });
      await recordAudit(tx, actor, { action: "provider.create", targetType: "provider", targetId: row.id, after: providerAuditView(row) });
      return providerView(row);
    });
  } catch (error) {
    conflictOf(error, { name: input.name, key });
  }
}

export async function updateProvider(db: Db, actor: AuditActor, input: z.infer<typeof updateProviderInput>) {
  const { id, apiKey: newKey, ...changes } = input;
  try {
    return await db.$transaction(async (tx) => {
      const before = await getProvider(tx, id);
      if (before.builtin && (changes.baseUrl !== undefined || newKey !== undefined || changes.enabled === false)) {
        throw new AppError("builtin_protected", "The offline model's provider is built in: it cannot be changed or disabled.");
      }
      const row = await tx.llmProvider.update({ where: { id }, data: { ...changes, ...sealedKey(newKey) } });
      await recordAudit(tx, actor, { action: "provider.update", targetType: "provider", targetId: id, before: providerAuditView(before), after: providerAuditView(row) });
      return providerView(row);
    });
  } catch (error) {
    conflictOf(error, { name: input.name });
  }
}

/** Removes a provider and its models; refused while an agent (anyone's) is on one of them. */
export async function deleteProvider(db: Db, actor: AuditActor, id: string) {
  return db.$transaction(async (tx) => {
    const before = await getProvider(tx, id);
    if (before.builtin) throw new AppError("builtin_protected", "The offline model's provider is built in: it cannot be removed.");
    const aliases = (await tx.llmModel.findMany({ where: { providerId: id }, select: { alias: true } })).map((m) => m.alias);
    const inUse = await tx.agent.count({ where: { deletedAt: null, modelAlias: { in: aliases } } });
    if (inUse > 0) throw new AppError("conflict", `${inUse} agent${inUse === 1 ? " uses" : "s use"} this provider's models: move them to another model, or disable the provider instead.`, { agents: inUse });
    await tx.llmProvider.delete({ where: { id } });
    await recordAudit(tx, actor, { action: "provider.delete", targetType: "provider", targetId: id, before: providerAuditView(before) });
    return { id };
  });
}

/** Lists the models behind a base URL (or a saved provider): a connection test that costs nothing. */
export async function testProvider(db: Db, input: z.infer<typeof testProviderInput>): Promise<{ latencyMs: number; models: DiscoveredModel[] }> {
  const target =
    "id" in input
      ? await getProvider(db, input.id).then((p) => {
          if (p.kind === "local") throw new AppError("builtin_protected", "The offline model has nothing to test.");
          return { baseURL: p.baseUrl!, apiKey: providerApiKey(p), headers: headersOf(p.extraHeaders) };
        })
      : { baseURL: input.baseUrl, apiKey: input.apiKey ?? null, headers: input.extraHeaders };
  const started = performance.now();
  try {
    const models = await discoverModels({ ...target, timeoutMs: 15_000 });
    return { latencyMs: Math.round(performance.now() - started), models };
  } catch (error) {
    if (error instanceof DiscoveryError) throw new AppError("provider_unreachable", error.message, { reason: error.reason });
    throw error;
  }
}

/**
 * A saved provider's models for "Import models" (the console and the CLI): each with the alias it
 * is already imported as (null when it is not) and, where published, its prices per million tokens.
 */
export async function discoverProvider(db: Db, id: string) {
  const [found, imported] = await Promise.all([testProvider(db, { id }), db.llmModel.findMany({ where: { providerId: id }, select: { alias: true, providerModel: true } })]);
  const aliasOf = new Map(imported.map((m) => [m.providerModel, m.alias]));
  return {
    latencyMs: found.latencyMs,
    models: found.models.map((m) => ({
      providerModel: m.providerModel,
      label: m.label,
      contextWindow: m.contextWindow,
      maxOutput: m.maxOutput,
      importedAs: aliasOf.get(m.providerModel) ?? null,
      prices: m.prices ? perMillionFromPerToken(m.prices) : null,
    })),
  };
}
