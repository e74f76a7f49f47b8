/**
 * PostgreSQL restarts under a running worker (a managed database failover looks the same):
 * the worker must reconnect and keep working, not crash. Uses a cluster of its own, since
 * restarting the shared test cluster would disturb the other test files.
 */
import fs from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedCluster } from "../../scripts/lib/embedded-postgres.ts";
import { migrate } from "../../scripts/lib/stack.ts";
import { createDb, type Db } from "@/server/db.ts";
import { pingWorker } from "@/server/domain/system/ping-worker.ts";
import { createBoss } from "@/server/jobs/boss.ts";
import { PgListener } from "@/server/realtime/listener.ts";
import { freePort } from "@/test/free-port.ts";
import { makeTempDir } from "@/test/temp-dir.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";

let root: string;
let cluster: EmbeddedCluster | undefined;
let db: Db | undefined;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  root = makeTempDir("pantheon-restart");
  cluster = await startEmbeddedPostgres({ root, port: await freePort() });
  await migrate(cluster.url);
  db = createDb(cluster.url);
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill("SIGTERM");
    await worker.exited;
  }
  try {
    await db?.$disconnect();
  } finally {
    await cluster?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

it("keeps running through a PostgreSQL restart and answers pings afterwards", async () => {
  const server = cluster!;
  const database = db!;
  worker = await startWorker(server.url, database);
  const w = worker;

  await server.restart();
  const restartedAt = new Date();

  // Its heartbeat resumes on new connections...
  await waitFor("a heartbeat after the restart", async () => {
    const row = await database.workerHeartbeat.findFirst({ where: { pid: w.pid } });
    return row && row.lastBeatAt > restartedAt;
  }, 30_000, 250);
  expect(w.child.exitCode).toBeNull();

  // ...and it still takes jobs.
  const boss = createBoss("web", server.url);
  const listener = new PgListener(server.url);
  try {
    await boss.start();
    const result = await pingWorker({ boss, listener });
    expect(result.workerId).toContain(`:${w.pid}:`);
  } finally {
    await listener.close();
    await boss.stop({ graceful: false });
  }
  expect(w.child.exitCode).toBeNull();
}, 90_000);
