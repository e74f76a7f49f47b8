/**
 * The gateway's routing from the database (PRODUCT.md 13): an alias resolves to its model and
 * provider row at each call, so a change applies to the next call in every process. A model that
 * cannot be used still resolves (with the reason), so the step can fail with `provider_unavailable`
 * or go to its fallback; an unknown alias resolves to a model that is never callable.
 */
import type { Db } from "../../db.ts";
import { env } from "../../env.ts";
import { Gateway, type CallEnd, type RoutedModel } from "../../llm/gateway.ts";
import { ProviderClients, type ProviderRow } from "../../llm/provider-clients.ts";
import { LocalProvider } from "../../llm/providers/local.ts";
import { LlmError, type Provider } from "../../llm/types.ts";
import { logger } from "../../logger.ts";
import { providerConfigured, unavailableReason } from "./catalog.ts";

const nowhere: Provider = {
  stream: () => Promise.reject(new LlmError("unavailable", "The model does not exist.", false)),
};

interface RouteRow {
  providerModel: string;
  enabled: boolean;
  fallbackAlias: string | null;
  capabilities: string[];
  provider: Omit<ProviderRow, "updatedAt"> & { key: string; name: string; preset: string; enabled: boolean; updatedAt: string };
}

export function routeFromDatabase(db: Db, clients: ProviderClients): (alias: string) => Promise<RoutedModel> {
  return async (alias) => {
    // One statement on the hot path (a findUnique with its provider is two).
    const [row] = await db.$queryRaw<RouteRow[]>`
      SELECT m.provider_model AS "providerModel", m.enabled, m.fallback_alias AS "fallbackAlias", m.capabilities,
             json_build_object('id', p.id, 'key', p.key, 'name', p.name, 'kind', p.kind, 'preset', p.preset, 'baseUrl', p.base_url,
               'apiKeyCiphertext', p.api_key_ciphertext, 'apiKeyEnv', p.api_key_env, 'extraHeaders', p.extra_headers,
               'enabled', p.enabled, 'updatedAt', p.updated_at) AS provider
      FROM llm_models m JOIN llm_providers p ON p.id = m.provider_id
      WHERE m.alias = ${alias}`;
    if (!row) {
      return { alias, providerKey: "unknown", providerId: null, providerModel: alias, fallbackAlias: null, usageInStream: true, tools: false, unavailableReason: "it no longer exists", provider: nowhere };
    }
    const provider = { ...row.provider, updatedAt: new Date(row.provider.updatedAt) };
    let client: Provider = nowhere;
    let keyProblem: string | null = null;
    try {
      if (provider.enabled && row.enabled) client = clients.for(provider);
    } catch (err) {
      // A saved key that cannot be read (PANTHEON_ENCRYPTION_KEY missing or changed) makes the
      // provider unavailable with a reason, instead of failing the turn.
      keyProblem = `the API key of ${provider.name} cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    }
    const unavailable = keyProblem ?? unavailableReason({ enabled: row.enabled, provider: { name: provider.name, enabled: provider.enabled, configured: providerConfigured(provider) } });
    return {
      alias,
      providerKey: provider.key,
      providerId: provider.kind === "local" ? null : provider.id,
      providerModel: row.providerModel,
      fallbackAlias: row.fallbackAlias,
      usageInStream: row.capabilities.includes("usage_in_stream"),
      tools: row.capabilities.includes("tools"),
      unavailableReason: unavailable,
      provider: unavailable ? nowhere : client,
    };
  };
}

/**
 * Provider health from real calls (no polling that costs money): last success, last error and
 * latency. Raw SQL, so `updated_at` (which the client cache keys on) does not move. Best effort: a
 * failed write is logged, never fails the call.
 */
export function recordProviderHealth(db: Db) {
  return (model: RoutedModel, end: CallEnd) => {
    if (!model.providerId) return;
    // A cancel is the user's doing, not the provider's.
    if (!end.ok && end.error.kind === "cancelled") return;
    const write = end.ok
      ? db.$executeRaw`UPDATE llm_providers SET last_success_at = now(), last_latency_ms = ${end.latencyMs} WHERE id = ${model.providerId}::uuid`
      : db.$executeRaw`UPDATE llm_providers SET last_error_at = now(), last_error = ${end.error.message.slice(0, 500)}, last_latency_ms = ${end.latencyMs} WHERE id = ${model.providerId}::uuid`;
    write.catch((err: unknown) => logger.warn({ err, provider: model.providerKey }, "could not record provider health"));
  };
}

/** A gateway routed by the database, for the worker (and tests, with a faster offline model). */
export function databaseGateway(db: Db, options: { localTokenMs?: number; timeoutMs?: number; retryDelayMs?: number; defaultMaxOutputTokens?: number } = {}): Gateway {
  const clients = new ProviderClients(new LocalProvider(options.localTokenMs ?? env.LOCAL_MODEL_TOKEN_MS));
  return new Gateway({
    route: routeFromDatabase(db, clients),
    onCallEnd: recordProviderHealth(db),
    timeoutMs: options.timeoutMs ?? env.LLM_TIMEOUT_SECONDS * 1000,
    retryDelayMs: options.retryDelayMs ?? 500,
    defaultMaxOutputTokens: options.defaultMaxOutputTokens ?? 1024,
  });
}
