/**
 * Where a turn's time goes, in one process against a real embedded PostgreSQL: every database
 * operation of `turns.send` and of running the turn (offline model at zero delay, one agent) is
 * timed through a Prisma query extension and grouped by the phase it ran in, with the count of
 * round trips per turn. What is left over in a phase is JavaScript (tokenizer, context assembly,
 * Prisma's query compiler). Part of `npm run bench` (and `-- --turns`); alone:
 * `node --import tsx scripts/bench/phases.ts [turns]` (PHASES_TRACE=1 lists each operation).
 */
import { randomUUID } from "node:crypto";
import { AsyncLocalStorage } from "node:async_hooks";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../src/generated/prisma/client.ts";
import type { Db } from "../../src/server/db.ts";
import { createAgent } from "../../src/server/domain/agents/agents.ts";
import { ensureUserByEmail } from "../../src/server/domain/auth/users.ts";
import { addAgentToRoom, createRoom } from "../../src/server/domain/rooms/rooms.ts";
import { createSession } from "../../src/server/domain/sessions/sessions.ts";
import { runTurn } from "../../src/server/domain/turns/run-turn.ts";
import { sendTurn } from "../../src/server/domain/turns/send-turn.ts";
import { createBoss } from "../../src/server/jobs/boss.ts";
import { ensureQueues } from "../../src/server/jobs/queues.ts";
import { databaseGateway } from "../../src/server/domain/models/model-routes.ts";
import { freePort } from "../../src/test/free-port.ts";
import { makeTempDir } from "../../src/test/temp-dir.ts";
import { startEmbeddedPostgres } from "../lib/embedded-postgres.ts";
import { migrate } from "../lib/stack.ts";

export interface PhaseRow {
  phase: string;
  /** Per turn, means over the measured turns. */
  wallMs: number;
  dbMs: number;
  roundTrips: number;
}

const phase = new AsyncLocalStorage<string>();

function timedDb(url: string, totals: Map<string, { ms: number; n: number }>): Db {
  const adapter = new PrismaPg({ connectionString: url, max: 4 });
  const base = new PrismaClient({ adapter, transactionOptions: { maxWait: 15_000, timeout: 20_000 } });
  return base.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        const started = performance.now();
        if (process.env.PHASES_TRACE && phase.getStore()) console.log(phase.getStore(), model ?? "", operation, operation.startsWith("$") ? String((args as { strings?: string[] })?.strings?.[0] ?? (args as unknown[])[0] ?? "").replace(/\s+/g, " ").slice(0, 90) : "");
        try {
          return await query(args);
        } finally {
          const name = phase.getStore() ?? "other";
          const total = totals.get(name) ?? { ms: 0, n: 0 };
          total.ms += performance.now() - started;
          total.n++;
          totals.set(name, total);
        }
      },
    },
  }) as unknown as Db;
}

export async function benchPhases(turns = 200): Promise<PhaseRow[]> {
  const dir = makeTempDir("pantheon-bench-phases");
  const cluster = await startEmbeddedPostgres({ root: dir, port: await freePort() });
  const totals = new Map<string, { ms: number; n: number }>();
  const wall = new Map<string, number>();
  try {
    await migrate(cluster.url);
    const db = timedDb(cluster.url, totals);
    const boss = createBoss("web", cluster.url);
    await boss.start();
    await ensureQueues(boss);
    const gateway = databaseGateway(db, { localTokenMs: 0, timeoutMs: 30_000, retryDelayMs: 10 });
    const user = await ensureUserByEmail(db, `bench-${randomUUID()}@example.com`);
    const agent = await createAgent(db, user.id, { key: "alice", name: "Alice", modelAlias: "local", rolePrompt: "You answer briefly.", toolPermissions: [] });
    const room = await createRoom(db, user.id, { name: "Phases", goal: "Measure", mode: "roundtable" });
    await addAgentToRoom(db, user.id, { roomId: room.id, agentId: agent.id });
    // High rate limits: the bench sends far more than a person would.
    await db.appSetting.createMany({ data: [{ key: "turns.rate_limit_per_minute", value: 100_000 }, { key: "turns.rate_limit_per_hour", value: 100_000 }] });

    const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await phase.run(name, fn);
      } finally {
        wall.set(name, (wall.get(name) ?? 0) + performance.now() - started);
      }
    };
    const oneTurn = async () => {
      // A fresh session now and then, so history (and the summary check) stays as in real use.
      const session = await createSession(db, user.id, { roomId: room.id });
      for (let i = 0; i < 4; i++) {
        const turn = await timed("send", () => sendTurn({ db, boss }, user.id, { sessionId: session.id, message: "What should we do next?", clientRequestId: randomUUID() }));
        await timed("run", () => runTurn({ db, gateway, boss }, turn.id, new AbortController().signal));
      }
    };
    for (let i = 0; i < 5; i++) await oneTurn(); // warm-up
    totals.clear();
    wall.clear();
    const groups = Math.ceil(turns / 4);
    for (let i = 0; i < groups; i++) await oneTurn();
    await boss.stop({ graceful: false });
    await db.$disconnect();
    const measured = groups * 4;
    return [...wall].map(([name, ms]) => ({
      phase: name,
      wallMs: ms / measured,
      dbMs: (totals.get(name)?.ms ?? 0) / measured,
      roundTrips: (totals.get(name)?.n ?? 0) / measured,
    }));
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchPhases(Number(process.argv[2] ?? 200));
  for (const r of rows) console.log(`${r.phase}: wall ${r.wallMs.toFixed(2)} ms, db ${r.dbMs.toFixed(2)} ms in ${r.roundTrips.toFixed(1)} operations`);
  process.exit(0);
}
