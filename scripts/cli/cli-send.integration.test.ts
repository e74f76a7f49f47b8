/**
 * The API commands of the CLI, run as a script would, against the built app and a real worker:
 * create agents and a room, send a message, and see the turn stream to completion.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { promisify } from "node:util";
import { Decimal } from "decimal.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { startWeb, type WebProcess } from "@/test/web-process.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const t = databaseForThisFile();
let web: WebProcess;
let worker: WorkerProcess;
let token: string;

const env = () => ({ ...process.env, PANTHEON_URL: web.base, PANTHEON_TOKEN: token, LOG_LEVEL: "warn" });
const cli = async (...args: string[]) => (await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: root, env: env() })).stdout.trim();

beforeAll(async () => {
  [web, worker] = await Promise.all([startWeb(t.url), startWorker(t.url, t.db, { LOCAL_MODEL_TOKEN_MS: "5" })]);
  const user = await ensureUserByEmail(t.db, "cli-send@example.com");
  token = (await createApiToken(t.db, user.id, { name: "cli" })).token;
}, 120_000);

afterAll(async () => {
  worker?.child.kill("SIGTERM");
  await worker?.exited;
  await web?.stop();
});

it("agents create, rooms create and send stream a roundtable turn to completion", async () => {
  const first = await cli("agents", "create", "--key", "data-analyst", "--name", "Analyst", "--role", "You analyse data.");
  const second = await cli("agents", "create", "--key", "writer", "--name", "Writer");
  const roomId = await cli("rooms", "create", "--name", "CLI room", "--mode", "roundtable", "--agent", first, "--agent", second);
  expect(await cli("rooms", "list")).toContain(roomId);

  const out = await cli("send", "--room", roomId, "What should we measure first?");
  // Both agents' sections, in roster order, each with streamed text and a success line.
  const analyst = out.indexOf("── @data-analyst (Analyst, local)");
  const writer = out.indexOf("── @writer (Writer, local)");
  expect(analyst).toBeGreaterThan(-1);
  expect(writer).toBeGreaterThan(analyst);
  expect(out.match(/✓ \d+ in \/ \d+ out/g)).toHaveLength(2);
  expect(out.trimEnd().endsWith("turn completed")).toBe(true);
  const turn = await t.db.turn.findFirstOrThrow({ include: { steps: true } });
  for (const step of turn.steps) expect(out).toContain(step.output.slice(0, 40));

  // usage: the wallet, and the last 30 days by model, as the ledger has them.
  const calls = await t.db.llmCallEvent.findMany({ where: { turnId: turn.id } });
  const credits = calls.reduce((sum, c) => sum.plus(c.creditsBurned), new Decimal(0)).toFixed();
  expect(out).toContain(`${credits} credits; balance `);
  // The session's first turn also names it: a `title` call on the offline model, on no turn (sessions/title.ts).
  await waitFor("the session's title call", () => t.db.llmCallEvent.findFirst({ where: { sessionId: turn.sessionId, callPurpose: "title" } }));
  const all = await t.db.llmCallEvent.findMany({ where: { userId: turn.userId } });
  const spent = all.reduce((sum, c) => sum.plus(c.creditsBurned), new Decimal(0)).toFixed();
  const usage = await cli("usage");
  expect(usage).toMatch(/^balance +\d+(\.\d+)? credits$/m);
  expect(usage).toMatch(new RegExp(`^local +3 +\\d+ +${spent.replace(".", "\\.")}$`, "m"));
  const json = JSON.parse(await cli("usage", "--json")) as { wallet: { balance: string }; summary: { total: { credits: string; calls: number } } };
  expect(json.summary.total).toMatchObject({ credits: spent, calls: 3 });
  expect(json.wallet.balance).toBe(new Decimal(100).minus(spent).toFixed());
}, 60_000);

it("send --json prints one event per line and a refused send exits 1 with the error code", async () => {
  const agentId = await cli("agents", "create", "--key", "solo", "--name", "Solo");
  const roomId = await cli("rooms", "create", "--name", "Manual room", "--mode", "manual", "--agent", agentId);

  const refused = run(process.execPath, ["--import", "tsx", "scripts/cli.ts", "send", "--room", roomId, "nobody tagged"], { cwd: root, env: env() });
  await expect(refused).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("[no_valid_tagged_agents]") });

  const lines = (await cli("send", "--room", roomId, "--json", "@solo hello")).split("\n").map((l) => JSON.parse(l) as { event: { type: string } });
  expect(lines[0]!.event.type).toBe("turn_started");
  expect(lines.at(-1)!.event.type).toBe("turn_completed");
  expect(lines.filter((l) => l.event.type === "step_completed")).toHaveLength(1);
}, 60_000);

it("Ctrl-C during send cancels the turn", async () => {
  // A slow worker in place of the fast one, so the turn is still streaming when Ctrl-C comes.
  worker.child.kill("SIGTERM");
  await worker.exited;
  worker = await startWorker(t.url, t.db, { LOCAL_MODEL_TOKEN_MS: "100" });
  const first = await cli("agents", "create", "--key", "slowpoke", "--name", "Slow");
  const second = await cli("agents", "create", "--key", "never", "--name", "Never");
  const roomId = await cli("rooms", "create", "--name", "Slow room", "--mode", "roundtable", "--agent", first, "--agent", second);
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/cli.ts", "send", "--room", roomId, "Tell me everything"], { cwd: root, env: env() });
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    // Interrupt once the first agent is streaming.
    if (/── @slowpoke[^\n]*\n\S/.test(out) && !child.killed) child.kill("SIGINT");
  });
  const [code] = (await once(child, "exit")) as [number | null];
  expect(out).toContain("turn cancelled");
  expect(code).toBe(1);
  const turn = await t.db.turn.findFirstOrThrow({ where: { session: { roomId } }, include: { steps: true } });
  expect(turn.status).toBe("cancelled");
  // The second agent never started.
  expect(turn.steps.map((s) => [s.agentKey, s.status])).toEqual([["slowpoke", "cancelled"]]);
}, 60_000);
