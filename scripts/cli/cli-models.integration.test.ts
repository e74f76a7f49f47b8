/**
 * The provider and model commands of the CLI, run as an operator would, against a real database and
 * a fake OpenAI-compatible server: add, list and test providers; import, price, enable, disable and
 * list models; every write audited as `cli`; failures one line and exit code 1.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { decryptSecret, parseEncryptionKey } from "@/server/crypto/secret-box.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { closedPortURL, startFakeOpenAI, type FakeOpenAI } from "@/test/fake-openai.ts";
import { makeTempDir } from "@/test/temp-dir.ts";

const root = path.resolve(import.meta.dirname, "../..");
const t = databaseForThisFile();
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI(() => "hello", {
    models: [
      // Shaped like OpenRouter's: a name, a context length and per-token prices.
      { id: "acme/big-model", name: "Acme Big", context_length: 65536, pricing: { prompt: "0.0000002", completion: "0.0000008" } },
      // Shaped like Ollama's: an id and nothing else.
      { id: "tiny:latest", object: "model" },
    ],
  });
});
afterAll(async () => {
  await fake.close();
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `stdin` piped in; resolves whatever the exit code (tests check it). */
function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: root, env: { ...process.env, DATABASE_URL: t.url, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

async function ok(args: string[], options?: Parameters<typeof cli>[1]): Promise<string> {
  const result = await cli(args, options);
  expect(result, `pantheon ${args.join(" ")}`).toMatchObject({ code: 0 });
  return result.stdout;
}

/** A refusal: exit code 1 and one line on stderr, never a stack trace. */
async function refused(args: string[], message: string | RegExp, options?: Parameters<typeof cli>[1]) {
  const result = await cli(args, options);
  expect(result.code, `pantheon ${args.join(" ")}`).toBe(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
}

const auditCount = () => t.db.adminAuditLog.count();
const rowOf = (stdout: string, first: string) => stdout.split("\n").find((line) => line.startsWith(`${first} `)) ?? "";

it("adds a provider with its key from stdin (sealed), lists it and tests it against its GET /models", async () => {
  const before = await auditCount();
  const added = await ok(["providers", "add", "--name", "Fake Router", "--preset", "custom", "--base-url", fake.baseURL, "--api-key-stdin"], { stdin: "sk-test-abcd1234\n" });
  expect(added).toContain("added provider Fake Router (key fake-router)");
  expect(added).toContain("…1234");
  expect(added).not.toContain("sk-test");

  const row = await t.db.llmProvider.findUniqueOrThrow({ where: { key: "fake-router" } });
  expect(row.apiKeyCiphertext).toMatch(/^v1\./);
  expect(row.apiKeyCiphertext).not.toContain("sk-test");
  expect(decryptSecret(row.apiKeyCiphertext!)).toBe("sk-test-abcd1234");
  expect(await auditCount()).toBe(before + 1);

  const list = await ok(["providers", "list"]);
  expect(list.split("\n")[0]).toMatch(/^key\s+name\s+preset\s+base URL\s+API key\s+enabled\s+models on\/all\s+health$/);
  expect(rowOf(list, "fake-router")).toMatch(/Fake Router\s+custom\s+http:\/\/127\.0\.0\.1:\d+\/v1\s+saved …1234\s+yes\s+0\/0\s+no calls yet/);
  // The provider made by the migration, without a key yet.
  expect(rowOf(list, "openrouter")).toMatch(/OpenRouter\s+openrouter\s+https:\/\/openrouter\.ai\/api\/v1\s+missing\s+no\s+\d+\/6/);
  expect(list).not.toContain("sk-test");

  const tested = await ok(["providers", "test", "fake-router"]);
  expect(tested).toMatch(/^Fake Router answered in \d+ ms with 2 models/);
  expect(rowOf(tested, "acme/big-model")).toMatch(/Acme Big\s+65,536\s+\$0\.2\s+\$0\.8/);
  expect(rowOf(tested, "tiny:latest")).toMatch(/tiny:latest\s+-\s+-\s+-$/);
  // It called with the saved key; a test writes nothing.
  expect(fake.modelListRequests.at(-1)?.authorization).toBe("Bearer sk-test-abcd1234");
  expect(await auditCount()).toBe(before + 1);

  const asJson = JSON.parse(await ok(["providers", "test", "fake-router", "--json"])) as { models: { providerModel: string; contextWindow: number | null; pricesPerMTokUsd: unknown }[] };
  expect(asJson.models).toEqual([
    expect.objectContaining({ providerModel: "acme/big-model", contextWindow: 65536, pricesPerMTokUsd: { inputPerMTokUsd: "0.2", cachedInputPerMTokUsd: "0.2", outputPerMTokUsd: "0.8" } }),
    expect.objectContaining({ providerModel: "tiny:latest", contextWindow: null, pricesPerMTokUsd: null }),
  ]);
});

it("imports models, refuses to enable an unpriced one, prices, enables, disables and lists them, auditing each write as cli", async () => {
  const before = await auditCount();
  const earlier = new Set((await t.db.adminAuditLog.findMany({ select: { id: true } })).map((r) => r.id));
  // Ollama-style models publish no context window: it must be given.
  await refused(["models", "import", "fake-router", "tiny:latest"], /does not publish tiny:latest's context window: pass --context <tokens>/);
  await refused(["models", "import", "fake-router", "no-such-model"], /Fake Router does not list no-such-model/);
  expect(await auditCount()).toBe(before);

  const imported = await ok(["models", "import", "fake-router", "acme/big-model", "tiny:latest", "--context", "8192"]);
  expect(imported).toContain("imported big-model (acme/big-model), disabled (priced");
  expect(imported).toContain("imported tiny-latest (tiny:latest), disabled, no price yet");
  expect(await t.db.llmModel.findUniqueOrThrow({ where: { alias: "tiny-latest" } })).toMatchObject({ contextWindow: 8192, enabled: false, providerModel: "tiny:latest" });
  expect(await t.db.llmModel.findUniqueOrThrow({ where: { alias: "big-model" } })).toMatchObject({ contextWindow: 65536, label: "Acme Big", enabled: false });

  // Unpriced: refused with what to do, and nothing written.
  const afterImport = await auditCount();
  await refused(["models", "enable", "tiny-latest"], /tiny-latest has no price, so it cannot be enabled: set one first with `models price tiny-latest/);
  expect(await auditCount()).toBe(afterImport);
  expect((await t.db.llmModel.findUniqueOrThrow({ where: { alias: "tiny-latest" } })).enabled).toBe(false);

  const versionBefore = (await t.db.pricingVersion.findFirstOrThrow({ where: { active: true } })).version;
  await refused(["models", "price", "tiny-latest", "--input", "0.1"], /has no price yet: give both --input and --output/);
  await refused(["models", "price", "tiny-latest", "--input", "cheap", "--output", "1"], /^pantheon: --input: /);
  const priced = await ok(["models", "price", "tiny-latest", "--input", "0.1", "--output", "0.4"]);
  expect(priced).toMatch(`pricing version ${versionBefore + 1} is now active`);
  expect(priced).toContain("$0.1 in, $0.1 cached, $0.4 out per million tokens, multiplier 1");
  // A multiplier alone keeps the prices, in another new version.
  expect(await ok(["models", "price", "tiny-latest", "--multiplier", "2"])).toMatch(`$0.1 in, $0.1 cached, $0.4 out per million tokens, multiplier 2; pricing version ${versionBefore + 2}`);

  expect(await ok(["models", "enable", "tiny-latest"])).toContain("tiny-latest is now enabled; agents can use it");
  expect(await ok(["models", "enable", "big-model"])).toContain("big-model is now enabled; agents can use it");
  expect(await ok(["models", "enable", "big-model"])).toContain("big-model is already enabled");

  let list = await ok(["models", "list", "--provider", "fake-router"]);
  expect(list.split("\n")[0]).toMatch(/^alias\s+provider\s+provider model\s+context\s+in \$\/M\s+out \$\/M\s+mult\s+enabled\s+usable$/);
  expect(rowOf(list, "tiny-latest")).toMatch(/fake-router\s+tiny:latest\s+8,192\s+\$0\.1\s+\$0\.4\s+2\s+yes\s+yes$/);
  expect(rowOf(list, "big-model")).toMatch(/fake-router\s+acme\/big-model\s+65,536\s+\$0\.2\s+\$0\.8\s+1\s+yes\s+yes$/);
  expect(list).not.toContain("llama");

  expect(await ok(["models", "disable", "tiny-latest"])).toContain("tiny-latest is now disabled");
  list = await ok(["models", "list"]);
  expect(rowOf(list, "tiny-latest")).toMatch(/\s+no\s+no: it is disabled$/);
  expect(rowOf(list, "local")).toMatch(/\s+yes\s+yes$/);
  expect(rowOf(await ok(["providers", "list"]), "fake-router")).toMatch(/\s1\/2\s/);

  // The offline model is built in.
  await refused(["models", "disable", "local"], /built in/);

  // One audit row per write, all as the CLI: 2 imports + 1 pricing version (the published price),
  // 2 price changes, 2 enables, 1 disable.
  const rows = (await t.db.adminAuditLog.findMany()).filter((r) => !earlier.has(r.id));
  expect(rows.map((r) => r.action).sort()).toEqual(["model.import", "model.import", "model.update", "model.update", "model.update", "pricing.create_version", "pricing.create_version", "pricing.create_version"]);
  for (const r of rows) expect(r).toMatchObject({ actorLabel: "cli", actorId: null });
  expect(await t.db.adminAuditLog.count({ where: { actorLabel: { not: "cli" } } })).toBe(0);
});

it("keeps a provider's key in a named environment variable, and toggles the provider", async () => {
  const env = { FAKE_GATEWAY_KEY: "env-key-9876" };
  const added = await ok(["providers", "add", "--name", "Env Gateway", "--preset", "openai", "--base-url", fake.baseURL, "--api-key-env", "FAKE_GATEWAY_KEY"], { env });
  expect(added).toContain("API key read from FAKE_GATEWAY_KEY by the web app and worker");
  const row = await t.db.llmProvider.findUniqueOrThrow({ where: { key: "env-gateway" } });
  expect(row).toMatchObject({ apiKeyEnv: "FAKE_GATEWAY_KEY", apiKeyCiphertext: null, preset: "openai" });
  const audit = await t.db.adminAuditLog.findFirstOrThrow({ where: { targetId: row.id } });
  expect(audit).toMatchObject({ action: "provider.create", actorLabel: "cli" });
  expect(JSON.stringify(audit.after)).not.toContain("env-key-9876");

  expect(rowOf(await ok(["providers", "list"], { env }), "env-gateway")).toContain("env FAKE_GATEWAY_KEY …9876");
  await ok(["providers", "test", "env-gateway"], { env });
  expect(fake.modelListRequests.at(-1)?.authorization).toBe("Bearer env-key-9876");

  expect(await ok(["providers", "disable", "env-gateway"])).toContain("Env Gateway is now disabled");
  expect((await t.db.llmProvider.findUniqueOrThrow({ where: { key: "env-gateway" } })).enabled).toBe(false);
  expect(await ok(["providers", "enable", "env-gateway"])).toContain("Env Gateway is now enabled");
  expect(await t.db.adminAuditLog.count({ where: { targetId: row.id, action: "provider.update", actorLabel: "cli" } })).toBe(2);
});

it("uses the encryption key npm start keeps under the data dir when none is set, and set-key replaces a saved key", async () => {
  const dataDir = makeTempDir("pantheon-cli-key");
  try {
    const key = randomBytes(32).toString("base64");
    fs.writeFileSync(path.join(dataDir, "encryption-key"), key, { mode: 0o600 });
    const env = { PANTHEON_ENCRYPTION_KEY: "", PANTHEON_DATA_DIR: dataDir };
    await ok(["providers", "add", "--name", "Local Key", "--preset", "custom", "--base-url", fake.baseURL, "--api-key-stdin"], { stdin: "first-key-0001", env });
    let row = await t.db.llmProvider.findUniqueOrThrow({ where: { key: "local-key" } });
    expect(decryptSecret(row.apiKeyCiphertext!, parseEncryptionKey(key)!)).toBe("first-key-0001");

    expect(await ok(["providers", "set-key", "local-key"], { stdin: "second-key-0002\n", env })).toContain("Local Key's API key is saved encrypted (…0002)");
    row = await t.db.llmProvider.findUniqueOrThrow({ where: { key: "local-key" } });
    expect(decryptSecret(row.apiKeyCiphertext!, parseEncryptionKey(key)!)).toBe("second-key-0002");

    // No key set and none generated: saving a key is refused, saying how to fix it.
    fs.rmSync(path.join(dataDir, "encryption-key"));
    await refused(["providers", "add", "--name", "No Key", "--preset", "custom", "--base-url", fake.baseURL, "--api-key-stdin"], /set PANTHEON_ENCRYPTION_KEY/, { stdin: "k-0003", env });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

it("refuses bad input and unreachable providers with one line and exit code 1", async () => {
  const before = await auditCount();
  await Promise.all([
    refused(["providers", "add", "--name", "X", "--preset", "nope"], /--preset must be one of openrouter, openai, ollama/),
    refused(["providers", "add", "--name", "X", "--preset", "custom"], /a custom provider needs its base URL/i),
    refused(["providers", "add", "--name", "X", "--preset", "custom", "--base-url", "ftp://x"], /--base-url: Use an http/),
    refused(["providers", "add", "--name", "X", "--preset", "groq"], /Groq needs an API key\. Pass it with --api-key-stdin or --api-key-env/),
    refused(["providers", "add", "--name", "X", "--preset", "custom", "--base-url", fake.baseURL, "--api-key-stdin"], /no API key on standard input/),
    refused(["providers", "add", "--name", "X", "--preset", "custom", "--base-url", fake.baseURL, "--api-key", "a", "--api-key-env", "B"], /Give the API key one way/),
    refused(["providers", "test", "nobody"], /No provider "nobody": see `providers list`/),
    refused(["models", "enable", "no-such-alias"], /No model no-such-alias/),
  ]);
  // A provider name already taken.
  await refused(["providers", "add", "--name", "Fake Router", "--preset", "custom", "--base-url", fake.baseURL], /already exists/);

  const down = await closedPortURL();
  await ok(["providers", "add", "--name", "Down", "--preset", "ollama", "--base-url", down]);
  await refused(["providers", "test", "down"], /Could not connect to http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\)/);
  expect(await auditCount()).toBe(before + 1);
});
