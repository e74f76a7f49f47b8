/**
 * Model discovery (PRODUCT.md §13): lists a provider's models from its OpenAI-compatible
 * `GET /models`, prefilling what the provider publishes — context window, max output and, for
 * OpenRouter, per-token USD prices.
 *
 * The standard shape only promises `id`; everything else differs per server, so each extra field is
 * read on its own with zod, and one odd field (or one odd item) never spoils the rest:
 * - OpenRouter: `name`, `context_length`, `top_provider.max_completion_tokens`, and `pricing` with
 *   `prompt` / `completion` / `input_cache_read` as decimal strings of USD per token;
 * - Groq: `context_window`, `max_completion_tokens`; vLLM: `max_model_len`;
 * - Ollama and LM Studio: nothing beyond `id` (all nulls).
 *
 * Failures are a DiscoveryError whose message an admin can act on. The API key never appears in one:
 * a server may echo it back in its error body, so messages are scrubbed of it.
 */
import { Decimal } from "decimal.js";
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { z } from "zod";

export interface DiscoveredModel {
  /** The id the provider is called with. */
  providerModel: string;
  /** The provider's display name, or the id when it publishes none. */
  label: string;
  contextWindow: number | null;
  maxOutput: number | null;
  /** Decimal strings (never floats: they become pricing rows); null when not published or not trustworthy. */
  prices: { inputUsdPerToken: string; cachedInputUsdPerToken: string; outputUsdPerToken: string } | null;
}

export type DiscoveryFailure = "unreachable" | "unauthorized" | "bad_response" | "http_error";

export class DiscoveryError extends Error {
  constructor(
    readonly reason: DiscoveryFailure,
    message: string,
    /** The HTTP status the provider answered with, when it answered. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = "DiscoveryError";
  }
}

export interface DiscoveryOptions {
  /** Ends with the API root, e.g. `https://openrouter.ai/api/v1` (the SDK appends `/models`). */
  baseURL: string;
  apiKey?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Per request; a form waits on this, so it is short. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The provider's models, sorted by id. Throws DiscoveryError; a cancel through `signal` rethrows the
 * SDK's abort error as is (the caller asked for it, it is no provider failure).
 */
export async function discoverModels(options: DiscoveryOptions): Promise<DiscoveredModel[]> {
  const where = displayURL(options.baseURL);
  if (!where) throw new DiscoveryError("unreachable", `"${redact(options.baseURL, options.apiKey)}" is not an http(s) URL.`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new OpenAI({
    baseURL: options.baseURL,
    // Keyless servers (Ollama, LM Studio) ignore the header, but the SDK insists on a key.
    apiKey: options.apiKey || "none",
    // OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment must not travel to other providers.
    organization: null,
    project: null,
    // One quick answer for a form: no hidden retries stretching a failure to a minute.
    maxRetries: 0,
    timeout: timeoutMs,
    defaultHeaders: options.headers,
  });

  const found = new Map<string, DiscoveredModel>();
  try {
    const { data: first, response } = await client.models.list({ signal: options.signal }).withResponse();
    // The SDK hands a non-JSON body over as a string, which pages as an empty list: a wrong base URL
    // answering with a web page would look like a provider with no models.
    const type = response.headers.get("content-type") ?? "";
    if (!/[/+]json\b/i.test(type)) {
      throw new DiscoveryError("bad_response", `${where}/models answered HTTP ${response.status} with ${type || "no content type"}, not JSON: is this the API's base URL (usually ending in /v1)?`, response.status);
    }
    for await (const page of first.iterPages()) {
      const items = z.array(z.unknown()).safeParse(page.data);
      if (!items.success) throw new DiscoveryError("bad_response", `${where}/models answered without a list of models in "data".`, response.status);
      for (const raw of items.data) {
        const model = readModel(raw);
        if (model && !found.has(model.providerModel)) found.set(model.providerModel, model);
      }
    }
  } catch (error) {
    const scrub = (message: string) => redact(message, options.apiKey);
    const failure = toDiscoveryError(error, where, timeoutMs, scrub);
    // Scrubbed once more as a whole: the URL in it may carry the key too (e.g. in a query).
    if (failure instanceof DiscoveryError) failure.message = scrub(failure.message);
    throw failure;
  }
  return [...found.values()].sort((a, b) => (a.providerModel < b.providerModel ? -1 : a.providerModel > b.providerModel ? 1 : 0));
}

const item = z.looseObject({ id: z.string().min(1) });
const text = z.string().trim().min(1);
const count = z.number().int().positive();
/** A price as published: a decimal string (or, leniently, a JSON number), finite and not negative. */
const price = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    const d = new Decimal(value);
    if (d.isFinite() && !d.isNegative()) return d.toFixed(); // plain notation, never 3e-7
  } catch {
    // not a number: falls through to the issue below
  }
  ctx.addIssue({ code: "custom", message: "not a non-negative decimal" });
  return z.NEVER;
});

/** The value if it fits the schema, else undefined: each field is optional on its own. */
function field<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const at = (value: unknown, key: string): unknown => (value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined);

/** One raw list item; null for an item without an id (skipped rather than failing the whole list). */
function readModel(raw: unknown): DiscoveredModel | null {
  const parsed = item.safeParse(raw);
  if (!parsed.success) return null;
  const m = parsed.data;
  const topProvider = at(m, "top_provider");
  return {
    providerModel: m.id,
    label: field(text, m.name) ?? field(text, m.display_name) ?? m.id,
    contextWindow: field(count, m.context_length) ?? field(count, m.context_window) ?? field(count, m.max_model_len) ?? field(count, at(topProvider, "context_length")) ?? null,
    maxOutput: field(count, at(topProvider, "max_completion_tokens")) ?? field(count, m.max_completion_tokens) ?? field(count, m.max_output_tokens) ?? null,
    prices: readPrices(m.pricing),
  };
}

/**
 * OpenRouter's `pricing`. All or nothing: a router with variable prices publishes "-1", and a
 * half-trusted price is worse than none (the admin then enters it). The cache-read price is often
 * absent, meaning cached input costs the same as input.
 */
function readPrices(pricing: unknown): DiscoveredModel["prices"] {
  const input = field(price, at(pricing, "prompt"));
  const output = field(price, at(pricing, "completion"));
  const rawCached = at(pricing, "input_cache_read");
  const cached = rawCached === undefined || rawCached === null ? input : field(price, rawCached);
  if (input === undefined || output === undefined || cached === undefined) return null;
  return { inputUsdPerToken: input, cachedInputUsdPerToken: cached, outputUsdPerToken: output };
}

/** `scrub` runs before any shortening, so a key cut in half by it can never slip through. */
function toDiscoveryError(error: unknown, where: string, timeoutMs: number, scrub: (message: string) => string): unknown {
  if (error instanceof DiscoveryError) return error;
  if (error instanceof APIUserAbortError) return error;
  // Before APIConnectionError: the timeout is a subclass of it.
  if (error instanceof APIConnectionTimeoutError) return new DiscoveryError("unreachable", `${where} did not answer within ${Math.round(timeoutMs / 1000)} s.`);
  if (error instanceof APIConnectionError) {
    const code = systemCode(error);
    return new DiscoveryError("unreachable", `Could not connect to ${where}${code ? ` (${code})` : ""}: is the server running and the URL right?`);
  }
  if (error instanceof APIError && error.status !== undefined) {
    const detail = serverDetail(error, scrub);
    if (error.status === 401 || error.status === 403) {
      return new DiscoveryError("unauthorized", `${where} refused the API key (HTTP ${error.status})${detail}: check the key.`, error.status);
    }
    // Most often a base URL missing its API root (every preset's ends in /v1).
    const hint = error.status === 404 && !where.endsWith("/v1") ? " — the base URL usually ends in /v1" : "";
    return new DiscoveryError("http_error", `${where}/models answered HTTP ${error.status}${detail}${hint}.`, error.status);
  }
  // What is left comes from reading the body: invalid JSON (SyntaxError) or an empty one (TypeError in the SDK's page).
  return new DiscoveryError("bad_response", `${where}/models did not answer with a model list (${short(scrub(error instanceof Error ? error.message : String(error)))}).`);
}

/** The first `code` (ECONNREFUSED, ENOTFOUND, ...) along the cause chain of a failed fetch. */
function systemCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = at(e, "code");
    if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return code;
  }
  return null;
}

/** The server's own words, shortened (an HTML error page can be long). */
function serverDetail(error: APIError, scrub: (message: string) => string): string {
  const message = error.message.replace(/^\d{3}\s*/, "").trim();
  return !message || message === "status code (no body)" ? "" : `: ${short(scrub(message))}`;
}

function short(message: string): string {
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function redact(message: string, apiKey: string | null | undefined): string {
  return apiKey ? message.split(apiKey).join("[key]") : message;
}

/** The base URL for messages: without credentials or a query someone may have put in it, and without a trailing slash. */
function displayURL(baseURL: string): string | null {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}
