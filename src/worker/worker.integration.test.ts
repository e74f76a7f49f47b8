/**
 * The real worker process against a real database: ping round trips, graceful stop with a job in
 * flight, and what health says when the worker is killed and started again.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { checkHealth } from "@/server/domain/health/check-health.ts";
import { PING_REPLY_CHANNEL, pingReply, pingWorker, type PingReply } from "@/server/domain/system/ping-worker.ts";
import { createBoss } from "@/server/jobs/boss.ts";
import { ensureQueues, sendJob } from "@/server/jobs/queues.ts";
import { PgListener } from "@/server/realtime/listener.ts";
import { createTestDatabase, type TestDatabase } from "@/test/database.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker } from "@/test/worker-process.ts";

let t: TestDatabase;
let boss: PgBoss;
let listener: PgListener;

beforeAll(async () => {
  t = await createTestDatabase();
  boss = createBoss("web", t.url);
  await boss.start();
  await ensureQueues(boss);
  listener = new PgListener(t.url);
});

afterAll(async () => {
  await listener.close();
  await boss.stop({ graceful: false });
  await t.drop();
});

describe("worker process", () => {
  it("refuses to start with an invalid setting, naming the variable", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/worker/main.ts"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: { ...process.env, DATABASE_URL: t.url, PGBOSS_SCHEMA: "Not A Schema" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toContain("PGBOSS_SCHEMA:");
  });

  it("answers a system.ping sent from the web side", async () => {
    const worker = await startWorker(t.url, t.db);
    try {
      const result = await pingWorker({ boss, listener });
      expect(result.workerId).toContain(`:${worker.pid}:`);
      expect(result.roundTripMs).toBeGreaterThan(0);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
  });

  it.each(["SIGTERM", "SIGINT"] as const)("on %s lets the active job finish, then exits 0 and removes its heartbeat", async (signal) => {
    const worker = await startWorker(t.url, t.db);
    const replies: PingReply[] = [];
    const unsubscribe = await listener.subscribe(PING_REPLY_CHANNEL, (raw) => replies.push(pingReply.parse(JSON.parse(raw))));
    try {
      const jobId = await sendJob(boss, "systemPing", { requestedAt: new Date().toISOString(), workMs: 1500 });
      await waitFor("the job to be active", async () => (await boss.getJobById("system.ping", jobId))?.state === "active");
      worker.child.kill(signal);

      const { code } = await worker.exited;
      expect(code).toBe(0);
      expect(replies.map((r) => r.jobId)).toContain(jobId);
      expect((await boss.getJobById("system.ping", jobId))?.state).toBe("completed");
      expect(await t.db.workerHeartbeat.count({ where: { pid: worker.pid } })).toBe(0);
    } finally {
      await unsubscribe();
    }
  });

  it("is reported not ok after a SIGKILL, and ok again once a worker is restarted", async () => {
    const health = () => checkHealth({ getDb: () => t.db });
    const first = await startWorker(t.url, t.db);
    expect((await health()).worker.ok).toBe(true);

    first.child.kill("SIGKILL");
    await first.exited;
    const stale = await waitFor("health to report the worker not ok", async () => {
      const report = await health();
      return report.worker.ok ? null : report;
    }, 30_000, 500);
    expect(stale.status).toBe("degraded");
    expect(stale.worker.ageS).toBeGreaterThanOrEqual(15);

    const second = await startWorker(t.url, t.db);
    try {
      const report = await health();
      expect(report.worker.ok).toBe(true);
      expect(report.status).toBe("ok");
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 60_000);
});
