/**
 * Turn engine benchmarks, against the built app (`next start`) and a real worker on a throwaway
 * embedded cluster, through the same tRPC client the CLI uses:
 * - send → job start: from the client's `turns.send` to the turn's `started_at` (worker clock;
 *   same machine), sequential sends with the worker idle;
 * - send → first `step_delta`: from the client calling `turns.send` to the same client receiving
 *   the turn's first `step_delta` on its open SSE stream (one clock), sequential turns with the
 *   worker idle and the model at zero delay;
 * - event relay: from a turn_events row's `created_at` (database clock, same machine) to the SSE
 *   client receiving it, with 20 streams open at once and turns running in all 20 sessions;
 * - throughput: completed turns per second with the offline model at zero delay (20 sessions,
 *   each sending its next turn as soon as the previous one ends);
 * - peak RSS of the web and worker processes during that load.
 */
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import type { Db } from "../../src/server/db.ts";
import { createApiToken } from "../../src/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "../../src/server/domain/auth/users.ts";
import { createAgent } from "../../src/server/domain/agents/agents.ts";
import { addAgentToRoom, createRoom } from "../../src/server/domain/rooms/rooms.ts";
import { createSession } from "../../src/server/domain/sessions/sessions.ts";
import { setSetting } from "../../src/server/domain/settings/settings.ts";
import { isTurnActive } from "../../src/server/domain/turns/turn-machine.ts";
import type { TurnEvent } from "../../src/server/realtime/turn-events.ts";
import { startWeb, type WebProcess } from "../../src/test/web-process.ts";
import { startWorker, type WorkerProcess } from "../../src/test/worker-process.ts";
import { waitFor } from "../../src/test/wait-for.ts";
import { apiClient, type ApiClient } from "../cli/api-client.ts";
import { measureCancel } from "./cancel.ts";

export interface Series {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function series(samples: number[]): Series {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1)! };
}

export interface TurnBench {
  pickup: Series;
  firstDelta: Series;
  /** `turns.cancel` to the turn cancelled, a step streaming at 30 ms/token. */
  cancel: Series;
  relay: Series & { streams: number; turns: number };
  throughput: { turns: number; seconds: number; perSecond: number; sessions: number };
  rss: { webMiB: number; workerMiB: number };
}

const STREAMS = 20;

/** A process and its descendants (next start forks a server process; PostgreSQL, a backend per connection). */
export function processTree(pid: number): number[] {
  let ids: number[] = [];
  try {
    ids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // The process ended while the tree was read (PostgreSQL's short-lived children do).
  }
  return [pid, ...ids.flatMap(processTree)];
}

/** Resident memory of a process and its descendants. */
function rssMiB(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return kb / 1024;
}

async function world(db: Db, sessions: number) {
  const user = await ensureUserByEmail(db, `bench-${randomUUID()}@example.com`);
  const { token } = await createApiToken(db, user.id, { name: "bench" });
  const agent = await createAgent(db, user.id, { key: "bench", name: "Bench", modelAlias: "local", rolePrompt: "You answer briefly.", toolPermissions: [] });
  const room = await createRoom(db, user.id, { name: "Bench", goal: "", mode: "roundtable" });
  await addAgentToRoom(db, user.id, { roomId: room.id, agentId: agent.id });
  const ids: string[] = [];
  for (let i = 0; i < sessions; i++) ids.push((await createSession(db, user.id, { roomId: room.id })).id);
  return { token, sessions: ids };
}

async function waitForTurnEnd(db: Db, turnId: string) {
  try {
    await waitFor(`turn ${turnId}`, async () => {
      const t = await db.turn.findUnique({ where: { id: turnId }, select: { status: true } });
      return t && !isTurnActive(t.status) ? t : null;
    }, 60_000, 5);
  } catch (error) {
    const turn = await db.turn.findUnique({ where: { id: turnId }, include: { steps: true } });
    const job = await db.$queryRawUnsafe(`SELECT state, retry_count, output, started_on, created_on FROM pgboss.job WHERE id = $1::uuid`, turnId);
    const turns = await db.$queryRawUnsafe(`SELECT status, count(*)::int FROM turns GROUP BY status`);
    const jobs = await db.$queryRawUnsafe(`SELECT name, state, count(*)::int FROM pgboss.job GROUP BY 1, 2`);
    console.error(JSON.stringify({ turn: turn?.status, job, turns, jobs }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
    throw error;
  }
}

async function measurePickup(db: Db, api: ApiClient, sessionId: string, count: number): Promise<Series> {
  const samples: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const sentAt = Date.now();
    const turn = await api.turns.send.mutate({ sessionId, message: `Pickup ${i}`, clientRequestId: randomUUID() });
    await waitForTurnEnd(db, turn.id);
    const row = await db.turn.findUniqueOrThrow({ where: { id: turn.id }, select: { startedAt: true } });
    if (i >= 5) samples.push(row.startedAt!.getTime() - sentAt); // 5 warm-up turns
  }
  return series(samples);
}

const END_EVENTS = new Set(["turn_completed", "turn_failed", "turn_cancelled"]);

/**
 * With the session's stream open, each turn is timed from the `turns.send` call to its first
 * `step_delta` arriving on that stream. The delta can arrive before the send call returns, so
 * arrivals are recorded by turn id and matched up afterwards.
 */
async function measureFirstDelta(api: ApiClient, sessionId: string, count: number) {
  const firstDeltaAt = new Map<string, number>();
  const ended = new Map<string, () => void>();
  const endedEarly = new Set<string>();
  const deltaWaiters = new Map<string, () => void>();
  const { streamFrom } = await api.turns.list.query({ sessionId, limit: 1 });
  let connected!: () => void;
  const open = new Promise<void>((resolve) => (connected = resolve));
  const subscription = api.turns.events.subscribe(
    { sessionId, lastEventId: streamFrom },
    {
      onStarted: () => connected(),
      onData: ({ data }: { data: TurnEvent }) => {
        const turnId = data.turnId;
        if (!turnId) return;
        if (data.event.type === "step_delta" && !firstDeltaAt.has(turnId)) {
          firstDeltaAt.set(turnId, performance.now());
          deltaWaiters.get(turnId)?.();
        }
        if (END_EVENTS.has(data.event.type)) {
          endedEarly.add(turnId);
          ended.get(turnId)?.();
        }
      },
    },
  );
  try {
    await open;
    // "connected" is sent as the stream starts; give the server a moment to be listening.
    await new Promise((r) => setTimeout(r, 500));
    const samples: number[] = [];
    for (let i = 0; i < count + 5; i++) {
      const sentAt = performance.now();
      const turn = await api.turns.send.mutate({ sessionId, message: `First delta ${i}`, clientRequestId: randomUUID() });
      if (!firstDeltaAt.has(turn.id)) await new Promise<void>((resolve) => deltaWaiters.set(turn.id, resolve));
      if (!endedEarly.has(turn.id)) await new Promise<void>((resolve) => ended.set(turn.id, resolve));
      if (i >= 5) samples.push(firstDeltaAt.get(turn.id)! - sentAt); // 5 warm-up turns
    }
    return series(samples);
  } finally {
    subscription.unsubscribe();
  }
}

/** Every session's stream open at once; each session runs `perSession` turns back to back. */
async function measureRelay(api: ApiClient, sessions: string[], perSession: number) {
  const latencies: number[] = [];
  const ends = new Map<string, () => void>();
  const subscriptions = await Promise.all(
    sessions.map(async (sessionId) => {
      const { streamFrom } = await api.turns.list.query({ sessionId, limit: 1 });
      return api.turns.events.subscribe(
        { sessionId, lastEventId: streamFrom },
        {
          onData: ({ data }: { data: TurnEvent }) => {
            latencies.push(Date.now() - Date.parse(data.at));
            const type = data.event.type;
            if ((type === "turn_completed" || type === "turn_failed" || type === "turn_cancelled") && data.turnId) ends.get(data.turnId)?.();
          },
        },
      );
    }),
  );
  // Let every stream connect before the turns start.
  await new Promise((r) => setTimeout(r, 1000));
  let turns = 0;
  await Promise.all(
    sessions.map(async (sessionId) => {
      for (let i = 0; i < perSession; i++) {
        const turn = await api.turns.send.mutate({ sessionId, message: `Relay ${i}: what next?`, clientRequestId: randomUUID() });
        await new Promise<void>((resolve) => ends.set(turn.id, resolve));
        turns++;
      }
    }),
  );
  for (const s of subscriptions) s.unsubscribe();
  return { ...series(latencies), streams: sessions.length, turns };
}

async function measureThroughput(db: Db, api: ApiClient, sessions: string[], seconds: number, sample: () => void) {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  const sampler = setInterval(sample, 250);
  try {
    await Promise.all(
      sessions.map(async (sessionId) => {
        while (performance.now() < deadline) {
          const turn = await api.turns.send.mutate({ sessionId, message: "Throughput", clientRequestId: randomUUID() });
          await waitForTurnEnd(db, turn.id);
          done++;
        }
      }),
    );
  } finally {
    clearInterval(sampler);
  }
  const elapsed = (performance.now() - started) / 1000;
  return { turns: done, seconds: elapsed, perSecond: done / elapsed, sessions: sessions.length };
}

export async function benchTurns(db: Db, databaseUrl: string): Promise<TurnBench> {
  // Benchmarks measure the engine, not the per-user rate limit.
  await setSetting(db, "turns.rate_limit_per_minute", 1_000_000);
  await setSetting(db, "turns.rate_limit_per_hour", 1_000_000);
  const { token, sessions } = await world(db, STREAMS);
  let web: WebProcess | undefined;
  let worker: WorkerProcess | undefined;
  const stopWorker = async () => {
    worker?.child.kill("SIGTERM");
    await worker?.exited;
  };
  try {
    web = await startWeb(databaseUrl, { LOG_LEVEL: "warn" });
    const api = apiClient(web.base, token);

    worker = await startWorker(databaseUrl, db, { LOCAL_MODEL_TOKEN_MS: "0", LOG_LEVEL: "warn" });
    console.log("send → job start…");
    const pickup = await measurePickup(db, api, sessions[0]!, 100);
    console.log("send → first step_delta…");
    const firstDelta = await measureFirstDelta(api, sessions[1]!, 100);

    console.log("throughput and memory…");
    let webMiB = 0;
    let workerMiB = 0;
    const throughput = await measureThroughput(db, api, sessions, 20, () => {
      webMiB = Math.max(webMiB, rssMiB(web!.child.pid!));
      workerMiB = Math.max(workerMiB, rssMiB(worker!.pid));
    });

    // Streaming at a readable pace, as users see it: many small delta events.
    await stopWorker();
    worker = await startWorker(databaseUrl, db, { LOCAL_MODEL_TOKEN_MS: "30", LOG_LEVEL: "warn" });
    console.log(`event relay with ${STREAMS} streams…`);
    const relay = await measureRelay(api, sessions, 2);
    console.log("cancel while streaming…");
    const cancel = await measureCancel(db, api, sessions[2]!, 20);
    return { pickup, firstDelta, relay, throughput, cancel, rss: { webMiB, workerMiB } };
  } catch (error) {
    console.error(web?.output().slice(-5000));
    console.error(worker?.output().slice(-5000));
    throw error;
  } finally {
    await stopWorker();
    await web?.stop();
  }
}
