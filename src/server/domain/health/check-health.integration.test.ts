import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/server/db.ts";
import { createBoss } from "@/server/jobs/boss.ts";
import { ensureQueues, sendJob } from "@/server/jobs/queues.ts";
import { newWorkerIdentity, pruneStaleHeartbeats, recordHeartbeat } from "@/server/domain/workers/heartbeat.ts";
import { createTestDatabase, type TestDatabase } from "@/test/database.ts";
import { freePort } from "@/test/free-port.ts";
import { checkHealth } from "./check-health.ts";

let t: TestDatabase;
let boss: Awaited<ReturnType<typeof createBoss>>;

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
    const report = await checkHealth({ getDb: () => t.db });
    expect(report).toMatchObject({
      status: "degraded",
      db: { ok: true },
      queue: { ok: true, queued: 0, active: 0, failed: 0 },
      worker: { ok: false, lastHeartbeatAt: null, ageS: null },
    });
    expect(report.db.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("counts queued jobs live, with no worker running", async () => {
    await sendJob(boss, "systemPing", { requestedAt: new Date().toISOString() });
    await sendJob(boss, "systemPing", { requestedAt: new Date().toISOString() });
    const report = await checkHealth({ getDb: () => t.db });
    expect(report.queue).toEqual({ ok: true, queued: 2, active: 0, failed: 0 });
    await boss.deleteAllJobs("system.ping");
  });

  it("is ok once a worker beats, and reads the newest of several workers", async () => {
    const old = newWorkerIdentity();
    await recordHeartbeat(t.db, old, 60);
    const report1 = await checkHealth({ getDb: () => t.db });
    expect(report1.worker.ok).toBe(false);

    await recordHeartbeat(t.db, newWorkerIdentity());
    const report2 = await checkHealth({ getDb: () => t.db });
    expect(report2.status).toBe("ok");
    expect(report2.worker.ageS).toBeLessThan(5);
  });

  it("prunes heartbeats of long-dead workers only", async () => {
    const dead = newWorkerIdentity();
    await recordHeartbeat(t.db, dead, 2 * 3600);
    const before = await t.db.workerHeartbeat.count();
    expect(await pruneStaleHeartbeats(t.db)).toBe(1);
    expect(await t.db.workerHeartbeat.count()).toBe(before - 1);
  });

  it("reports down, without throwing, when no database is configured at all", async () => {
    const report = await checkHealth({
      getDb: () => {
        throw new Error("DATABASE_URL is not set");
      },
    });
    expect(report).toMatchObject({ status: "down", db: { ok: false }, queue: { ok: false }, worker: { ok: false } });
  });

  it("reports down, without throwing, when the database cannot be reached", async () => {
    const unreachable = createDb(`postgresql://nobody:nothing@127.0.0.1:${await freePort()}/none`);
    try {
      const report = await checkHealth({ getDb: () => unreachable });
      expect(report).toMatchObject({ status: "down", db: { ok: false, latencyMs: null }, queue: { ok: false }, worker: { ok: false } });
    } finally {
      await unreachable.$disconnect();
    }
  });
});
