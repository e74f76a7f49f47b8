/**
 * `agents list` and `sessions list`, run as a user would, through the typed tRPC client against the
 * API's real handler (tRPC's fetch adapter behind a plain HTTP server on a test database).
 */
import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { createAgent } from "@/server/domain/agents/agents.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { handle } from "@/test/trpc-http.ts";
import { roomWorld } from "@/test/turns.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const t = databaseForThisFile();
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === "GET" ? undefined : body });
    const response = await handle(t.db, request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const cli = (token: string, ...args: string[]) =>
  run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: root, env: { ...process.env, PANTHEON_URL: base, PANTHEON_TOKEN: token, LOG_LEVEL: "warn" } }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

it("agents list shows id, key, name and model; sessions list a room's or an agent's sessions with their titles", { timeout: 60_000 }, async () => {
  const w = await roomWorld(t.db, "roundtable", [{ key: "sage", name: "Sage" }, { key: "data-analyst", name: "Analyst", modelAlias: "llama" }]);
  const { token } = await createApiToken(t.db, w.user.id, { name: "cli" });
  const other = await roomWorld(t.db, "roundtable", [{ key: "stranger", name: "Stranger" }]);

  const agents = await cli(token, "agents", "list");
  expect(agents.code).toBe(0);
  const lines = agents.stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^id\s+key\s+name\s+model$/);
  expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual(
    expect.arrayContaining([
      [w.agents[0]!.id, "@sage", "Sage", "local"],
      [w.agents[1]!.id, "@data-analyst", "Analyst", "llama"],
    ]),
  );
  expect(lines).toHaveLength(3);
  expect(agents.stdout).not.toContain("stranger");
  const json = JSON.parse((await cli(token, "agents", "list", "--json")).stdout);
  expect(json).toEqual(expect.arrayContaining([{ id: w.agents[0]!.id, key: "sage", name: "Sage", model: "local" }]));

  await t.db.chatSession.update({ where: { id: w.session.id }, data: { title: "Launch plan" } });
  const newer = await createSession(t.db, w.user.id, { roomId: w.room.id });
  const sessions = await cli(token, "sessions", "list", "--room", w.room.id);
  expect(sessions.code).toBe(0);
  const rows = sessions.stdout.trim().split("\n");
  expect(rows[0]).toMatch(/^id\s+title\s+created \(UTC\)$/);
  expect(rows.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 2))).toEqual([
    [newer.id, "(untitled)"],
    [w.session.id, "Launch plan"],
  ]);
  expect(rows[2]).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

  const solo = await createAgent(t.db, w.user.id, { key: "solo", name: "Solo", modelAlias: "local", rolePrompt: "", toolPermissions: [] });
  const direct = await createSession(t.db, w.user.id, { agentId: solo.id, title: "Just us" });
  const byAgent = JSON.parse((await cli(token, "sessions", "list", "--agent", solo.id, "--json")).stdout);
  expect(byAgent).toEqual([{ id: direct.id, title: "Just us", createdAt: expect.any(String) }]);

  // Someone else's room is not found; neither or both targets is a usage error. One line, exit 1.
  const foreign = await cli(token, "sessions", "list", "--room", other.room.id);
  expect([foreign.code, foreign.stderr.trim()]).toEqual([1, expect.stringMatching(/^pantheon: .*\[not_found\]$/)]);
  const neither = await cli(token, "sessions", "list");
  expect([neither.code, neither.stderr.trim()]).toEqual([1, "pantheon: Give either --room <id> or --agent <id>."]);
});
