import { expect, it } from "vitest";
import { hitRateLimit } from "@/server/domain/auth/rate-limit.ts";
import { newWorkerIdentity, recordHeartbeat } from "@/server/domain/workers/heartbeat.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { handlers, type JobContext } from "./handlers.ts";

const t = databaseForThisFile();

it("system.maintenance prunes what is old and keeps what is current", async () => {
  await recordHeartbeat(t.db, newWorkerIdentity(), 2 * 3600);
  await recordHeartbeat(t.db, newWorkerIdentity());
  await t.db.rateLimitCounter.create({ data: { key: "old", windowStart: new Date(Date.now() - 2 * 86_400_000), count: 1 } });
  await hitRateLimit(t.db, "current", 5, 60);
  await t.db.authOutbox.create({ data: { recipient: "a@example.com", subject: "s", url: "http://x", createdAt: new Date(Date.now() - 8 * 86_400_000) } });
  await t.db.authOutbox.create({ data: { recipient: "b@example.com", subject: "s", url: "http://x" } });

  // Maintenance only uses the database; the rest of the job context stays unused.
  const ctx = { db: t.db, worker: newWorkerIdentity(), jobId: "test", signal: new AbortController().signal, retryCount: 0 } as unknown as JobContext;
  expect(await handlers.systemMaintenance({}, ctx)).toEqual({ heartbeats: 1, rateLimitWindows: 1, outboxMessages: 1 });
  expect(await t.db.workerHeartbeat.count()).toBe(1);
  expect((await t.db.rateLimitCounter.findMany()).map((r) => r.key)).toEqual(["current"]);
  expect((await t.db.authOutbox.findMany()).map((m) => m.recipient)).toEqual(["b@example.com"]);
});
