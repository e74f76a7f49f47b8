/**
 * `npm start` as a user runs it, with no settings: embedded PostgreSQL under the data dir, migrations,
 * the built web app and the worker. One SIGINT (or SIGTERM) must leave no process behind, and the
 * data must survive a restart.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { createDb } from "@/server/db.ts";
import { embeddedUrl, readEmbeddedConnection } from "@/server/database-url.ts";
import { freePort } from "@/test/free-port.ts";
import { makeTempDir } from "@/test/temp-dir.ts";
import { waitFor } from "@/test/wait-for.ts";

const root = path.resolve(import.meta.dirname, "..");
const dataDir = makeTempDir("pantheon-start");
const started: ChildProcess[] = [];

afterAll(async () => {
  // If an assertion failed midway, do not leave a stack running: kill it and its database.
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await Promise.all(started.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, "exit") : null)));
  const pidFile = path.join(dataDir, "postgres", "postmaster.pid");
  if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT");
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat); // a zombie has already exited
  } catch {
    return false;
  }
}

/** Every process descended from `pid`, including ones in other process groups. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

async function startPantheon(port: number, pgPort: number) {
  // No DATABASE_URL: the embedded default is what is under test.
  const env = { ...process.env, PANTHEON_DATA_DIR: dataDir, PANTHEON_PG_PORT: String(pgPort), PORT: String(port), LOG_LEVEL: "warn" };
  delete (env as Record<string, string | undefined>).DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const health = await waitFor(
    "a healthy /api/health",
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      const body = (await res.json()) as { db: { ok: boolean }; worker: { ok: boolean } };
      return res.status === 200 && body.db.ok && body.worker.ok ? body : null;
    },
    240_000,
    500,
    exited.then((code) => new Error(`npm start exited early (code ${code}):\n${output}`)),
  );
  const postmasterPid = Number(fs.readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
  return { child, exited, health, postmasterPid, processes: () => [postmasterPid, ...descendants(child.pid!)], output: () => output };
}

it("starts from nothing, stops cleanly on SIGINT and SIGTERM, and keeps its data across restarts", async () => {
  const port = await freePort();
  const pgPort = await freePort();

  const first = await startPantheon(port, pgPort);
  const status = await fetch(`http://127.0.0.1:${port}/status`);
  expect(status.status).toBe(200);
  expect(await status.text()).toContain("Status");

  const conn = readEmbeddedConnection(dataDir);
  expect(conn?.port).toBe(pgPort);
  const db = createDb(embeddedUrl(conn!));
  await db.appSetting.create({ data: { key: "test.survives_restart", value: { yes: true } } });
  await db.$disconnect();

  const before = first.processes();
  expect(before.length).toBeGreaterThanOrEqual(3); // postgres, web (+ next-server), worker
  first.child.kill("SIGINT");
  expect(await first.exited).toBe(0);
  await waitFor("every process to be gone after SIGINT", () => before.every((pid) => !isAlive(pid)), 10_000);

  const second = await startPantheon(port, pgPort);
  const db2 = createDb(embeddedUrl(readEmbeddedConnection(dataDir)!));
  expect((await db2.appSetting.findUnique({ where: { key: "test.survives_restart" } }))?.value).toEqual({ yes: true });
  await db2.$disconnect();

  const running = second.processes();
  second.child.kill("SIGTERM");
  expect(await second.exited).toBe(0);
  await waitFor("every process to be gone after SIGTERM", () => running.every((pid) => !isAlive(pid)), 10_000);
}, 480_000);

it("stops cleanly when interrupted during start-up", async () => {
  const dir = makeTempDir("pantheon-start-abort");
  try {
    const env = { ...process.env, PANTHEON_DATA_DIR: dir, PANTHEON_PG_PORT: String(await freePort()), PORT: String(await freePort()) };
    delete (env as Record<string, string | undefined>).DATABASE_URL;
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    started.push(child);
    let output = "";
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = once(child, "exit") as Promise<[number | null]>;
    // Interrupt while migrations run, after PostgreSQL has started.
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (c: Buffer) => {
        output += c.toString();
        if (output.includes("embedded PostgreSQL ready")) resolve();
      }),
    );
    const postmasterPid = Number(fs.readFileSync(path.join(dir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
    child.kill("SIGINT");

    const [code] = await exited;
    expect(code, output).toBe(0);
    // Usually it lands during migrations ("stopped during start-up"); on a slow machine start-up may
    // just have finished, and the normal stop runs instead. Either way nothing may be left running.
    expect(output).toMatch(/stopped during start-up|\[pantheon\] stopped/);
    await waitFor("the embedded PostgreSQL to stop", () => !isAlive(postmasterPid), 10_000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
