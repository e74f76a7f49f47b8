import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createDb } from "@/server/db.ts";
import { createBoss } from "@/server/jobs/boss.ts";
import { ensureQueues } from "@/server/jobs/queues.ts";
import { newWorkerIdentity, pruneStaleHeartbeats, recordHeartbeat } from "@/server/domain/workers/heartbeat.ts";
import { createTestDatabase, type TestDatabase } from "@/test/database.ts";
import { freePort } from "@/test/free-port.ts";
import { checkHealth } from "./check-health.ts";

let t: TestDatabase;
let boss: PgBoss;

beforeAll(async () => {
  t = await createTestDatabase();
  boss = createBoss("web", t.url);
  await boss.start();
  await ensureQueues(boss);
});

afterAll(async () => {
  await boss.stop({ graceful: false });
  await t.drop();
});

describe("checkHealth", () => {
  it("is degraded with a reachable database and queue but no worker", async () => {
    const report = await checkHealth({ db: t.db, boss: async () => boss });
    expect(report).toMatchObject({
      status: "degraded",
      db: { ok: true },
      queue: { ok: true, queued: 0, active: 0, failed: 0 },
      worker: { ok: false, lastHeartbeatAt: null, ageS: null },
    });
    expect(report.db.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("is ok once a worker beats, and reads the newest of several workers", async () => {
    const old = newWorkerIdentity();
    await recordHeartbeat(t.db, old, new Date(Date.now() - 60_000));
    const report1 = await checkHealth({ db: t.db, boss: async () => boss });
    expect(report1.worker.ok).toBe(false);

    await recordHeartbeat(t.db, newWorkerIdentity());
    const report2 = await checkHealth({ db: t.db, boss: async () => boss });
    expect(report2.status).toBe("ok");
    expect(report2.worker.ageS).toBeLessThan(5);
  });

  it("prunes heartbeats of long-dead workers only", async () => {
    const dead = newWorkerIdentity();
    await recordHeartbeat(t.db, dead, new Date(Date.now() - 2 * 3600_000));
    const before = await t.db.workerHeartbeat.count();
    expect(await pruneStaleHeartbeats(t.db)).toBe(1);
    expect(await t.db.workerHeartbeat.count()).toBe(before - 1);
  });

  it("reports down, without throwing, when the database cannot be reached", async () => {
    const unreachable = createDb(`postgresql://nobody:nothing@127.0.0.1:${await freePort()}/none`);
    try {
      const report = await checkHealth({ db: unreachable, boss: () => Promise.reject(new Error("no queue")) });
      expect(report).toMatchObject({ status: "down", db: { ok: false, latencyMs: null }, queue: { ok: false }, worker: { ok: false } });
    } finally {
      await unreachable.$disconnect();
    }
  });
});
