/**
 * Operator commands for providers and models (PRODUCT.md 13): `providers list|add|test|enable|disable|set-key`
 * and `models list|import|price|enable|disable`. Like `tokens create` and `grant`, they work on the
 * database directly, through the same domain functions the Models & providers screen uses, and each
 * write is audited with the `cli` actor.
 */
import readline from "node:readline/promises";
import { Writable } from "node:stream";
import type { Command } from "commander";
import { z } from "zod";
import type { Db } from "../../src/server/db.ts";
import type { LlmProvider } from "../../src/generated/prisma/client.ts";
import { isUniqueViolation } from "../../src/server/db-errors.ts";
import { AppError } from "../../src/server/errors.ts";
import { presetById, providerPreset, providerPresets } from "../../src/server/llm/presets.ts";
import { cliActor, recordAudit } from "../../src/server/domain/admin/audit.ts";
import { adminCatalog, importModels, importModelsInput, modelAlias, setPrices, updateModel } from "../../src/server/domain/models/model-admin.ts";
import { modelPriceInput, perMillionFromPerToken } from "../../src/server/domain/models/pricing.ts";
import { createProvider, createProviderInput, listProviders, providerView, testProvider, updateProvider, type ProviderView } from "../../src/server/domain/models/providers.ts";

type WithDb = (fn: (db: Db) => Promise<void>) => Promise<void>;

// --- Output ---

/** Columns padded to their widest cell; `right` lists the columns aligned right (numbers). */
export function printTable(header: string[], rows: string[][], right: number[] = []) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  for (const row of all) console.log(line(row));
}

const json = (value: unknown) => console.log(JSON.stringify(value, null, 2));
const count = (n: number | null) => (n === null ? "-" : n.toLocaleString("en-US"));
const usd = (perMillion: string | undefined) => (perMillion === undefined ? "-" : `$${perMillion}`);

function ago(at: Date, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at.getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

function short(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The newest of last success and last error, from real calls. */
function healthOf(h: ProviderView["health"]): string {
  const ok = h.lastSuccessAt ? new Date(h.lastSuccessAt) : null;
  const failed = h.lastErrorAt ? new Date(h.lastErrorAt) : null;
  if (failed && (!ok || failed > ok)) return `error ${ago(failed)}: ${short(h.lastError ?? "unknown error")}`;
  if (ok) return `ok ${ago(ok)}${h.latencyMs === null ? "" : `, ${h.latencyMs} ms`}`;
  return "no calls yet";
}

function keySource(p: ProviderView): string {
  if (p.kind === "local") return "-";
  if (p.apiKeySource === "env") return `env ${p.apiKeyEnv} …${p.apiKeyLast4}`;
  if (p.apiKeySource === "saved") return `saved …${p.apiKeyLast4}`;
  if (p.apiKeyEnv) return `env ${p.apiKeyEnv} (not set here)`;
  return p.configured ? "none needed" : "missing";
}

// --- Input ---

/** A zod failure as one line naming the option, instead of zod's JSON. */
function parseOrExplain<T extends z.ZodType>(schema: T, value: unknown, optionOf: Record<string, string> = {}): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // The innermost named field: `models.0.alias` is the alias.
  const field = String(issue.path.findLast((p) => typeof p === "string") ?? "");
  const option = optionOf[field] ?? (field ? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : "");
  throw new Error(option ? `${option}: ${issue.message}` : issue.message);
}

/**
 * The API key from stdin: piped (`… | pantheon providers add … --api-key-stdin`) or typed at a
 * prompt that does not echo it. Either way it stays out of shell history and `ps`.
 */
async function readKeyFromStdin(): Promise<string> {
  let key: string;
  if (process.stdin.isTTY) {
    const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
    const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: true });
    process.stderr.write("API key (not shown as you type): ");
    const cancelled = new Promise<never>((_, reject) => rl.once("SIGINT", () => reject(new Error("cancelled: no API key read"))));
    try {
      key = await Promise.race([rl.question(""), cancelled]);
    } finally {
      rl.close();
      process.stderr.write("\n");
    }
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    key = Buffer.concat(chunks).toString("utf8");
  }
  key = key.trim();
  if (!key) throw new Error("--api-key-stdin: no API key on standard input");
  if (/\s/.test(key)) throw new Error("--api-key-stdin: the API key contains whitespace (pass only the key, on one line)");
  return key;
}

/** `Name: value` or `Name=value`. */
function parseHeaders(list: string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of list ?? []) {
    const match = /^([^:=\s]+)\s*[:=]\s*(.*)$/.exec(item);
    if (!match) throw new Error(`--header: "${item}" is not "Name: value"`);
    headers[match[1]!] = match[2]!;
  }
  return headers;
}

const uuid = z.uuid();

async function findProvider(db: Db, keyOrId: string): Promise<LlmProvider> {
  const row = await db.llmProvider.findFirst({
    where: { OR: [{ key: keyOrId.trim().toLowerCase() }, ...(uuid.safeParse(keyOrId).success ? [{ id: keyOrId }] : [])] },
  });
  if (!row) throw new Error(`No provider "${keyOrId}": see \`providers list\` for their keys.`);
  return row;
}

/** Runs `fn` on the database with the provider named by its key or id. */
function withProvider(withDb: WithDb, keyOrId: string, fn: (db: Db, provider: LlmProvider) => Promise<void>) {
  return withDb(async (db) => fn(db, await findProvider(db, keyOrId)));
}

async function findModel(db: Db, alias: string) {
  const found = (await adminCatalog(db)).find((m) => m.alias === alias.trim().toLowerCase());
  if (!found) throw new Error(`No model ${alias}: see \`models list\`.`);
  return found;
}

/** A usable alias from a provider's model id: its last path segment, else prefixed with the provider's key. */
function aliasFor(providerModel: string, providerKey: string, taken: Set<string>): string {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, "-")
      .replace(/-{2,}/g, "-")
      .replace(/^[^a-z0-9]+|-+$/g, "")
      .slice(0, 64);
  const last = clean(providerModel.split("/").pop() ?? providerModel) || "model";
  for (const candidate of [last, clean(`${providerKey}-${last}`)]) if (!taken.has(candidate)) return candidate;
  for (let n = 2; ; n++) {
    const candidate = `${clean(`${providerKey}-${last}`).slice(0, 60)}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

// --- A provider whose key stays in an environment variable ---

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "provider";
}

/**
 * `providers add --api-key-env VAR`: the row names the variable and holds no key, as the providers
 * made from OPENROUTER_API_KEY and OPENAI_API_KEY at start do. createProvider takes only a key to
 * seal, so this writes the row itself, audited the same way.
 */
async function createEnvKeyedProvider(db: Db, input: z.output<typeof createProviderInput>, apiKeyEnv: string) {
  const preset = presetById(input.preset);
  const baseUrl = input.baseUrl ?? preset.defaultBaseUrl;
  if (!baseUrl) throw new Error("--base-url: a custom provider needs its base URL");
  const key = input.key ?? slug(input.name);
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.llmProvider.create({
        data: { key, name: input.name, kind: "openai_compatible", preset: input.preset, baseUrl, apiKeyEnv, extraHeaders: input.extraHeaders, enabled: input.enabled },
      });
      const view = providerView(row);
      const { health: _health, modelCount: _count, createdAt: _c, updatedAt: _u, ...after } = view;
      await recordAudit(tx, cliActor, { action: "provider.create", targetType: "provider", targetId: row.id, after });
      return view;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Error(`A provider named "${input.name}" or with the key "${key}" already exists.`);
    throw error;
  }
}

// --- Commands ---

export function registerProviderCommands(program: Command, withDb: WithDb) {
  const providers = program.command("providers").description("LLM providers (operator: direct database access)");

  providers
    .command("list")
    .description("list providers: key, name, preset, base URL, where the API key comes from, models, and health from real calls")
    .option("--json", "print them as JSON")
    .action(async (opts: { json?: boolean }) => {
      await withDb(async (db) => {
        const [list, enabledCounts] = await Promise.all([
          listProviders(db),
          db.llmModel.groupBy({ by: ["providerId"], where: { enabled: true }, _count: { _all: true } }),
        ]);
        const enabledOf = new Map(enabledCounts.map((g) => [g.providerId, g._count._all]));
        if (opts.json) return json(list.map((p) => ({ ...p, enabledModelCount: enabledOf.get(p.id) ?? 0 })));
        printTable(
          ["key", "name", "preset", "base URL", "API key", "enabled", "models on/all", "health"],
          list.map((p) => [p.key, p.name, p.preset, p.baseUrl ?? "-", keySource(p), p.enabled ? "yes" : "no", `${enabledOf.get(p.id) ?? 0}/${p.modelCount ?? 0}`, p.kind === "local" ? "built in" : healthOf(p.health)]),
          [6],
        );
      });
    });

  providers
    .command("add")
    .description("add an OpenAI-compatible provider; its models are then imported with `models import`")
    .requiredOption("--name <name>", "its display name, e.g. Groq")
    .requiredOption("--preset <preset>", `one of ${providerPresets.map((p) => p.id).join(", ")}`)
    .option("--base-url <url>", "the API root, usually ending in /v1 (default: the preset's; required for custom)")
    .option("--api-key-stdin", "read the API key from standard input (piped, or typed at a prompt that does not show it); saved encrypted")
    .option("--api-key-env <VAR>", "keep the key in this environment variable of the web app and worker; nothing is saved")
    .option("--api-key <key>", "the API key on the command line (discouraged: it stays in shell history; prefer --api-key-stdin)")
    .option("--slug <key>", "its stable key, kept in the usage ledger (default: made from the name)")
    .option("--header <name:value...>", "extra HTTP headers sent with every call")
    .option("--disabled", "add it disabled")
    .action(async (opts: { name: string; preset: string; baseUrl?: string; apiKeyStdin?: boolean; apiKeyEnv?: string; apiKey?: string; slug?: string; header?: string[]; disabled?: boolean }) => {
      const sources = [opts.apiKeyStdin && "--api-key-stdin", opts.apiKeyEnv && "--api-key-env", opts.apiKey && "--api-key"].filter(Boolean);
      if (sources.length > 1) throw new Error(`Give the API key one way: ${sources.join(" or ")}`);
      if (!providerPreset.safeParse(opts.preset).success) throw new Error(`--preset must be one of ${providerPresets.map((p) => p.id).join(", ")}`);
      if (opts.apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(opts.apiKeyEnv)) {
        throw new Error("--api-key-env: give the variable's name, like GROQ_API_KEY (letters, digits and _)");
      }
      if (opts.apiKey) console.error("pantheon: note: a key on the command line stays in your shell history; --api-key-stdin keeps it out");
      const apiKey = opts.apiKeyStdin ? await readKeyFromStdin() : opts.apiKey;
      const input = parseOrExplain(
        createProviderInput,
        { name: opts.name, key: opts.slug, preset: opts.preset, baseUrl: opts.baseUrl, apiKey, extraHeaders: parseHeaders(opts.header), enabled: !opts.disabled },
        { key: "--slug", apiKey: "API key", extraHeaders: "--header" },
      );
      await withDb(async (db) => {
        let created: ProviderView;
        try {
          created = opts.apiKeyEnv ? await createEnvKeyedProvider(db, input, opts.apiKeyEnv) : await createProvider(db, cliActor, input);
        } catch (error) {
          // The preset needs a key: say how to give one here, not in the form's words.
          if (error instanceof AppError && error.details?.field === "apiKey") throw new Error(`${error.message} Pass it with --api-key-stdin or --api-key-env <VAR>.`);
          throw error;
        }
        const key =
          created.apiKeySource === "saved"
            ? `API key saved encrypted (…${created.apiKeyLast4})`
            : opts.apiKeyEnv
              ? `API key read from ${opts.apiKeyEnv} by the web app and worker`
              : "no API key";
        console.log(`added provider ${created.name} (key ${created.key}) at ${created.baseUrl}${created.enabled ? "" : ", disabled"}; ${key}`);
        if (opts.apiKeyEnv && !process.env[opts.apiKeyEnv]) {
          console.error(`pantheon: note: ${opts.apiKeyEnv} is not set in this shell; set it where the web app and worker run`);
        }
        console.error(`next: \`providers test ${created.key}\` lists its models; \`models import ${created.key} <model-id>\` adds them`);
      });
    });

  providers
    .command("test")
    .description("connect to a provider and list the models its GET /models returns, with context window and prices when it publishes them")
    .argument("<provider>", "its key or id")
    .option("--json", "print the models as JSON")
    .action((keyOrId: string, opts: { json?: boolean }) =>
      withProvider(withDb, keyOrId, async (db, provider) => {
        const [result, imported] = await Promise.all([
          testProvider(db, { id: provider.id }),
          db.llmModel.findMany({ where: { providerId: provider.id }, select: { alias: true, providerModel: true } }),
        ]);
        const aliasOf = new Map(imported.map((m) => [m.providerModel, m.alias]));
        const models = result.models.map((m) => ({ ...m, pricesPerMTokUsd: m.prices ? perMillionFromPerToken(m.prices) : null, importedAs: aliasOf.get(m.providerModel) ?? null }));
        if (opts.json) return json({ provider: provider.key, latencyMs: result.latencyMs, models });
        console.log(`${provider.name} answered in ${result.latencyMs} ms with ${models.length} model${models.length === 1 ? "" : "s"}${models.length ? ` (prices in USD per million tokens):` : "."}`);
        if (!models.length) return;
        console.log("");
        printTable(
          ["model", "label", "context", "in $/M", "out $/M", "imported as"],
          models.map((m) => [m.providerModel, m.label === m.providerModel ? "" : short(m.label, 40), count(m.contextWindow), usd(m.pricesPerMTokUsd?.inputPerMTokUsd), usd(m.pricesPerMTokUsd?.outputPerMTokUsd), m.importedAs ?? ""]),
          [2, 3, 4],
        );
      }),
    );

  for (const [command, enabled] of [["enable", true], ["disable", false]] as const) {
    providers
      .command(command)
      .description(enabled ? "enable a provider: its enabled models become usable" : "disable a provider: its models cannot be used until it is enabled again")
      .argument("<provider>", "its key or id")
      .action((keyOrId: string) =>
        withProvider(withDb, keyOrId, async (db, provider) => {
          const updated = await updateProvider(db, cliActor, { id: provider.id, enabled });
          console.log(`${updated.name} is now ${updated.enabled ? "enabled" : "disabled"}`);
        }),
      );
  }

  providers
    .command("set-key")
    .description("replace a provider's saved API key (e.g. after changing PANTHEON_ENCRYPTION_KEY), read from standard input")
    .argument("<provider>", "its key or id")
    .option("--remove", "remove the saved key instead")
    .action((keyOrId: string, opts: { remove?: boolean }) =>
      withProvider(withDb, keyOrId, async (db, provider) => {
        if (provider.kind === "local") throw new Error("The offline model's provider is built in: it has no API key.");
        const apiKey = opts.remove ? null : parseOrExplain(createProviderInput.shape.apiKey, await readKeyFromStdin(), { "": "API key" });
        const updated = await updateProvider(db, cliActor, { id: provider.id, apiKey });
        console.log(apiKey === null ? `${updated.name}'s saved API key is removed` : `${updated.name}'s API key is saved encrypted (…${updated.apiKeyLast4})`);
      }),
    );
}

export function registerModelCommands(program: Command, withDb: WithDb) {
  const models = program.command("models").description("LLM models and their prices (operator: direct database access)");

  models
    .command("list")
    .description("list every model: alias, provider, context, price per million tokens, multiplier, enabled, and whether agents can use it")
    .option("--provider <key>", "only this provider's models")
    .option("--json", "print them as JSON")
    .action(async (opts: { provider?: string; json?: boolean }) => {
      await withDb(async (db) => {
        const provider = opts.provider ? await findProvider(db, opts.provider) : null;
        const list = (await adminCatalog(db)).filter((m) => !provider || m.provider === provider.key);
        if (opts.json) return json(list);
        printTable(
          ["alias", "provider", "provider model", "context", "in $/M", "out $/M", "mult", "enabled", "usable"],
          list.map((m) => [
            m.alias,
            m.provider,
            m.providerModel,
            count(m.contextWindow),
            usd(m.price?.inputPerMTokUsd),
            usd(m.price?.outputPerMTokUsd),
            m.price ? m.price.multiplier : "-",
            m.enabled ? "yes" : "no",
            m.available ? "yes" : `no: ${m.unavailableReason}`,
          ]),
          [3, 4, 5, 6],
        );
      });
    });

  models
    .command("import")
    .description("add models from a provider's GET /models (see `providers test`), with the context window and any prices it publishes; disabled unless --enable")
    .argument("<provider>", "the provider's key or id")
    .argument("<model-ids...>", "the provider's model ids, as `providers test` lists them")
    .option("--alias <alias>", "the alias agents use (one model only; default: made from the model id)")
    .option("--context <tokens>", "the context window, for models whose provider does not publish one")
    .option("--enable", "enable them too (each needs a price: published by the provider, or set later with `models price`)")
    .action(async (keyOrId: string, ids: string[], opts: { alias?: string; context?: string; enable?: boolean }) => {
      if (opts.alias !== undefined && ids.length !== 1) throw new Error("--alias names one model: import the others separately");
      const alias = opts.alias === undefined ? undefined : parseOrExplain(modelAlias, opts.alias, { "": "--alias" });
      const context = opts.context === undefined ? undefined : Number(opts.context);
      if (context !== undefined && (!Number.isInteger(context) || context < 256)) throw new Error("--context must be a whole number of tokens, at least 256");
      await withProvider(withDb, keyOrId, async (db, provider) => {
        if (provider.kind === "local") throw new Error("The offline provider has only its built-in model.");
        const { models: found } = await testProvider(db, { id: provider.id });
        const byId = new Map(found.map((m) => [m.providerModel, m]));
        const missing = ids.filter((id) => !byId.has(id));
        if (missing.length) throw new Error(`${provider.name} does not list ${missing.join(", ")}: see \`providers test ${provider.key}\``);
        const taken = new Set((await db.llmModel.findMany({ select: { alias: true } })).map((m) => m.alias));
        const rows = ids.map((id) => {
          const m = byId.get(id)!;
          const contextWindow = m.contextWindow ?? context;
          if (!contextWindow) throw new Error(`${provider.name} does not publish ${id}'s context window: pass --context <tokens>`);
          const chosen = alias ?? aliasFor(id, provider.key, taken);
          taken.add(chosen);
          const price = m.prices ? { multiplier: "1", ...perMillionFromPerToken(m.prices) } : undefined;
          if (opts.enable && !price) throw new Error(`${provider.name} publishes no price for ${id}: import it without --enable, set one with \`models price ${chosen} …\`, then enable it`);
          return { providerModel: id, alias: chosen, label: m.label, contextWindow, maxOutput: m.maxOutput, price, enabled: !!opts.enable };
        });
        const input = parseOrExplain(importModelsInput, { providerId: provider.id, models: rows }, { alias: "--alias", contextWindow: "--context" });
        await importModels(db, cliActor, input);
        for (const row of input.models) {
          const state = row.enabled ? "enabled" : row.price ? "disabled (priced: `models enable` it)" : "disabled, no price yet (`models price` it, then `models enable` it)";
          console.log(`imported ${row.alias} (${row.providerModel}), ${state}`);
        }
      });
    });

  models
    .command("price")
    .description("set a model's price: a new pricing version for calls started from now on (earlier calls keep theirs)")
    .argument("<alias>", "the model's alias")
    .option("--input <usd>", "USD per million input tokens (required when the model has no price yet)")
    .option("--output <usd>", "USD per million output tokens (required when the model has no price yet)")
    .option("--cached <usd>", "USD per million cached input tokens (default: the input price)")
    .option("--multiplier <n>", "credits multiplier: credits = OE × max(multiplier, 0.5) / 10 000 (default: the current one, else 1)")
    .option("--note <text>", "why, for the pricing history")
    .action(async (alias: string, opts: { input?: string; output?: string; cached?: string; multiplier?: string; note?: string }) => {
      await withDb(async (db) => {
        const current = await findModel(db, alias);
        const now = current.price;
        if (!now && (opts.input === undefined || opts.output === undefined)) throw new Error(`${current.alias} has no price yet: give both --input and --output (USD per million tokens)`);
        if (now && [opts.input, opts.output, opts.cached, opts.multiplier].every((v) => v === undefined)) throw new Error("Nothing to change: give --input, --output, --cached or --multiplier");
        // The cached price follows a new input price unless given (or it was a discount before).
        const cachedWasInput = now ? now.cachedInputPerMTokUsd === now.inputPerMTokUsd : true;
        const price = parseOrExplain(
          modelPriceInput,
          {
            multiplier: opts.multiplier ?? now?.multiplier ?? "1",
            inputPerMTokUsd: opts.input ?? now!.inputPerMTokUsd,
            outputPerMTokUsd: opts.output ?? now!.outputPerMTokUsd,
            cachedInputPerMTokUsd: opts.cached ?? (cachedWasInput ? undefined : now!.cachedInputPerMTokUsd),
          },
          { multiplier: "--multiplier", inputPerMTokUsd: "--input", outputPerMTokUsd: "--output", cachedInputPerMTokUsd: "--cached" },
        );
        const { pricingVersion } = await setPrices(db, cliActor, { changes: [{ alias: current.alias, price }], note: opts.note?.trim() ?? "" });
        console.log(
          `${current.alias}: $${price.inputPerMTokUsd} in, $${price.cachedInputPerMTokUsd ?? price.inputPerMTokUsd} cached, $${price.outputPerMTokUsd} out per million tokens, multiplier ${price.multiplier}; pricing version ${pricingVersion} is now active`,
        );
      });
    });

  models
    .command("enable")
    .description("let agents use a model (refused until it has a price)")
    .argument("<alias>", "the model's alias")
    .action(async (alias: string) => {
      await withDb(async (db) => {
        const current = await findModel(db, alias);
        if (!current.enabled) {
          try {
            await updateModel(db, cliActor, { alias: current.alias, enabled: true });
          } catch (error) {
            if (error instanceof AppError && error.code === "model_unpriced") {
              throw new Error(`${current.alias} has no price, so it cannot be enabled: set one first with \`models price ${current.alias} --input <usd/M> --output <usd/M>\``);
            }
            throw error;
          }
        }
        const after = await findModel(db, alias);
        const state = after.available ? "; agents can use it" : `, but agents cannot use it yet: ${after.unavailableReason}`;
        console.log(`${after.alias} is ${current.enabled ? "already" : "now"} enabled${state}`);
      });
    });

  models
    .command("disable")
    .description("stop agents using a model: their next call on it fails as unavailable, or goes to its fallback")
    .argument("<alias>", "the model's alias")
    .action(async (alias: string) => {
      await withDb(async (db) => {
        const current = await findModel(db, alias);
        if (current.enabled) await updateModel(db, cliActor, { alias: current.alias, enabled: false });
        const agents = await db.agent.count({ where: { deletedAt: null, modelAlias: current.alias } });
        console.log(`${current.alias} is ${current.enabled ? "now" : "already"} disabled`);
        if (agents) console.error(`pantheon: note: ${agents} agent${agents === 1 ? " is" : "s are"} on ${current.alias}: move ${agents === 1 ? "it" : "them"} to another model, or set a fallback in the app`);
      });
    });
}
