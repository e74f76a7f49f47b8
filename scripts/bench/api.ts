/**
 * API throughput under load, against the built app (`next start`) on a throwaway embedded cluster:
 * an authenticated `rooms.list` (a user with 20 rooms, an API token as `Authorization: Bearer …`,
 * among 5,000 other users with rooms of their own) against `GET /api/health` on the same server,
 * with autocannon at a fixed number of connections.
 *
 * The rooms.list request is the one the CLI's tRPC client sends for `pantheon rooms list`: the URL
 * and headers are captured from the client itself (httpLink, superjson), then replayed.
 * The two endpoints run in alternating rounds after a warm-up of each, so a burst of load from
 * elsewhere on the machine lands on both; each round's numbers are kept to show the spread.
 * Besides rates and latencies, the CPU time the web server and PostgreSQL spend per request: on a
 * shared machine req/s follows whatever else runs, CPU per request much less.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import autocannon from "autocannon";
import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "../../src/server/api/root.ts";
import type { Db } from "../../src/server/db.ts";
import { createAgent } from "../../src/server/domain/agents/agents.ts";
import { createApiToken } from "../../src/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "../../src/server/domain/auth/users.ts";
import { addAgentToRoom, createRoom } from "../../src/server/domain/rooms/rooms.ts";
import { startWeb } from "../../src/test/web-process.ts";
import { processTree } from "./turns.ts";

export const ROOMS = 20;
export const CONNECTIONS = 10;
/** Other users in the database, each with this many rooms of two agents. */
export const OTHER_USERS = 5000;
export const OTHER_ROOMS_EACH = 4;
const WARMUP_S = 5;

export interface LoadRound {
  reqPerSec: number;
  p50: number;
  p99: number;
  /** CPU milliseconds per request: the web server's processes, and PostgreSQL's. */
  webCpuMs: number;
  dbCpuMs: number;
}

export interface LoadSeries {
  /** One entry per round, in the order they ran. */
  rounds: LoadRound[];
  requests: number;
}

export interface ApiBench {
  connections: number;
  seconds: number;
  rooms: number;
  otherUsers: number;
  otherRoomsEach: number;
  health: LoadSeries;
  roomsList: LoadSeries;
  /** rooms.list req/s over health req/s, per round. */
  ratios: number[];
}

/**
 * Other users' rooms, so the database is not one user's alone: a query that reads every user's
 * rows (an aggregate over all rosters, say) costs here what it would in production. Written in
 * bulk with SQL; the columns without a database default are filled in here.
 */
async function otherUsers(db: Db) {
  await db.$executeRaw`
    INSERT INTO users (id, email, created_at, updated_at)
    SELECT gen_random_uuid(), 'other-' || g || '@example.com', now(), now() FROM generate_series(1, ${OTHER_USERS}::int) g`;
  await db.$executeRaw`
    INSERT INTO agents (id, user_id, key, name, model_alias, updated_at)
    SELECT gen_random_uuid(), u.id, k, k, 'local', now() FROM users u CROSS JOIN (VALUES ('analyst'), ('critic')) v(k)
    WHERE u.email LIKE 'other-%'`;
  await db.$executeRaw`
    INSERT INTO rooms (id, user_id, name, updated_at)
    SELECT gen_random_uuid(), u.id, 'Room ' || g, now() FROM users u CROSS JOIN generate_series(1, ${OTHER_ROOMS_EACH}::int) g
    WHERE u.email LIKE 'other-%'`;
  await db.$executeRaw`
    INSERT INTO room_agents (room_id, agent_id, position)
    SELECT r.id, a.id, row_number() OVER (PARTITION BY r.id ORDER BY a.key)
    FROM rooms r JOIN agents a ON a.user_id = r.user_id JOIN users u ON u.id = r.user_id WHERE u.email LIKE 'other-%'`;
  await db.$executeRaw`ANALYZE`;
}

async function world(db: Db) {
  await otherUsers(db);
  const user = await ensureUserByEmail(db, `bench-api-${randomUUID()}@example.com`);
  const { token } = await createApiToken(db, user.id, { name: "bench" });
  const agents = [];
  for (const key of ["analyst", "critic"]) {
    agents.push(await createAgent(db, user.id, { key, name: key, modelAlias: "local", rolePrompt: "You answer briefly.", toolPermissions: [] }));
  }
  for (let i = 0; i < ROOMS; i++) {
    const room = await createRoom(db, user.id, { name: `Room ${i + 1}`, goal: "Plan the launch.", mode: "roundtable" });
    for (const agent of agents) await addAgentToRoom(db, user.id, { roomId: room.id, agentId: agent.id });
  }
  return { token };
}

/** The URL and headers the CLI's tRPC client sends for `rooms list`, checked by running it once. */
async function captureRoomsList(base: string, token: string) {
  let sent: { url: string; headers: Record<string, string> } | undefined;
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: new URL("/api/trpc", base).toString(),
        transformer: superjson,
        headers: () => ({ authorization: `Bearer ${token}` }),
        fetch: (url, init) => {
          sent = { url: String(url), headers: Object.fromEntries(new Headers(init?.headers as HeadersInit).entries()) };
          return fetch(url, init);
        },
      }),
    ],
  });
  // What scripts/cli/program.ts sends for `pantheon rooms list` without --search.
  const page = await client.rooms.list.query({ limit: 100, query: undefined });
  if (page.items.length !== ROOMS) throw new Error(`rooms.list returned ${page.items.length} rooms, expected ${ROOMS}`);
  if (!sent) throw new Error("the tRPC client sent nothing");
  return sent;
}

const CLOCK_TICKS_PER_S = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU time used so far by a process tree (user + system, with its reaped children's), in ms. */
function cpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      // Fields after the parenthesised command name: utime, stime, cutime, cstime are 14–17.
      const fields = fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

async function load(url: string, headers: Record<string, string>, seconds: number, pids: { web: number; db: number }) {
  const before = { web: cpuMs(pids.web), db: cpuMs(pids.db) };
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
  const failed = result.non2xx + result.errors;
  if (failed) throw new Error(`${url}: ${result.non2xx} non-2xx responses and ${result.errors} errors out of ${result.requests.total}`);
  const n = result.requests.total;
  const round: LoadRound = {
    reqPerSec: n / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    webCpuMs: (cpuMs(pids.web) - before.web) / n,
    dbCpuMs: (cpuMs(pids.db) - before.db) / n,
  };
  return { round, requests: n };
}

/** `postgresDataDir`: the cluster's data directory, to find its postmaster for CPU time. */
export async function benchApi(db: Db, databaseUrl: string, postgresDataDir: string, options: { seconds?: number; rounds?: number } = {}): Promise<ApiBench> {
  const seconds = options.seconds ?? 10;
  const rounds = options.rounds ?? 3;
  const { token } = await world(db);
  const web = await startWeb(databaseUrl, { LOG_LEVEL: "warn" });
  const pids = { web: web.child.pid!, db: Number(fs.readFileSync(`${postgresDataDir}/postmaster.pid`, "utf8").split("\n")[0]) };
  try {
    const rooms = await captureRoomsList(web.base, token);
    const health = { url: `${web.base}/api/health`, headers: {} };
    console.log(`rooms.list request: GET ${rooms.url.slice(web.base.length)}`);

    console.log("warm-up…");
    await load(health.url, health.headers, WARMUP_S, pids);
    await load(rooms.url, rooms.headers, WARMUP_S, pids);

    const out = { health: { rounds: [] as LoadRound[], requests: 0 }, roomsList: { rounds: [] as LoadRound[], requests: 0 } };
    for (let i = 0; i < rounds; i++) {
      console.log(`round ${i + 1}/${rounds}: health, then rooms.list, ${seconds} s each…`);
      const h = await load(health.url, health.headers, seconds, pids);
      const r = await load(rooms.url, rooms.headers, seconds, pids);
      out.health.rounds.push(h.round);
      out.health.requests += h.requests;
      out.roomsList.rounds.push(r.round);
      out.roomsList.requests += r.requests;
    }
    const ratios = out.roomsList.rounds.map((r, i) => r.reqPerSec / out.health.rounds[i]!.reqPerSec);
    return { connections: CONNECTIONS, seconds, rooms: ROOMS, otherUsers: OTHER_USERS, otherRoomsEach: OTHER_ROOMS_EACH, ...out, ratios };
  } catch (error) {
    console.error(web.output().slice(-5000));
    throw error;
  } finally {
    await web.stop();
  }
}
