/**
 * The admin Jobs view over HTTP: per queue counts from pg-boss, the last errors, the latest purge
 * report (the handler's return value, kept by pg-boss as the job's output), and retrying a failed
 * job through pg-boss's retry, audited in the same transaction; a job that is not failed is refused
 * and leaves no audit row.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { getWebBoss } from "@/server/jobs/boss.ts";
import { queues } from "@/server/jobs/queues.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { failedJob } from "@/test/failed-job.ts";
import { bindWebSingletons, callApi } from "@/test/trpc-http.ts";

const t = databaseForThisFile();
bindWebSingletons(() => t.url);

let boss: PgBoss;
let owner: { id: string; token: string };
beforeAll(async () => {
  boss = await getWebBoss();
  const user = await ensureUserByEmail(t.db, `owner-${randomUUID()}@example.com`);
  await t.db.user.update({ where: { id: user.id }, data: { role: "owner" } });
  owner = { id: user.id, token: (await createApiToken(t.db, user.id, { name: "test" })).token };
});

it("shows each queue's counts and last errors and the latest purge report; retries a failed job once, audited", async () => {
  const failed = await failedJob(boss, "the store was unreachable");
  const report = { chatDays: 90, cutoff: "2026-01-01T00:00:00.000Z", messages: 12, summaries: 1, turnEvents: 40, turns: 3, files: 0, toolResultsCleared: 2 };
  const purgeId = (await boss.send(queues.retentionChat.name, {}))!;
  const [purge] = await boss.fetch(queues.retentionChat.name);
  expect(purge!.id).toBe(purgeId);
  await boss.complete(queues.retentionChat.name, purgeId, report);
  await boss.send(queues.systemMaintenance.name, {}, { startAfter: 3600 });

  const list = await callApi(t.db, "admin.jobs.list", { token: owner.token });
  expect(list.error).toBeNull();
  const maintenance = list.data.queues.find((q: { name: string }) => q.name === "system.maintenance");
  expect(maintenance).toMatchObject({ waiting: 1, active: 0, failed: 1 });
  expect(maintenance.lastErrors).toEqual([{ id: failed.id, state: "failed", retryCount: 0, error: "the store was unreachable", at: expect.any(Date) }]);
  expect(list.data.queues.map((q: { name: string }) => q.name)).toEqual(Object.values(queues).map((q) => q.name));
  expect(list.data.purgeReports.find((r: { queue: string }) => r.queue === "retention.chat")).toMatchObject({ jobId: purgeId, report, completedAt: expect.any(Date) });
  expect(list.data.purgeReports.find((r: { queue: string }) => r.queue === "retention.events")).toMatchObject({ jobId: null, report: null });

  const audit = await t.db.adminAuditLog.count();
  const retried = await callApi(t.db, "admin.jobs.retry", { token: owner.token, input: failed });
  expect(retried.error).toBeNull();
  expect(retried.data).toEqual({ ...failed, state: "retry" });
  expect((await boss.findJobs(failed.queue, { id: failed.id }))[0]).toMatchObject({ state: "retry" });
  const rows = await t.db.adminAuditLog.findMany({ where: { action: "job.retry" } });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    actorId: owner.id,
    targetType: "job",
    targetId: failed.id,
    before: { queue: "system.maintenance", state: "failed", retryCount: 0, error: "the store was unreachable" },
    after: { queue: "system.maintenance", state: "retry" },
  });
  const after = (await callApi(t.db, "admin.jobs.list", { token: owner.token })).data.queues.find((q: { name: string }) => q.name === "system.maintenance");
  expect(after).toMatchObject({ waiting: 2, failed: 0 });

  // No longer failed: refused, and nothing more is recorded.
  const again = await callApi(t.db, "admin.jobs.retry", { token: owner.token, input: failed });
  expect(again.error).toMatchObject({ code: "CONFLICT" });
  const unknown = await callApi(t.db, "admin.jobs.retry", { token: owner.token, input: { queue: failed.queue, id: randomUUID() } });
  expect(unknown.error).toMatchObject({ code: "NOT_FOUND", appCode: "not_found" });
  const badQueue = await callApi(t.db, "admin.jobs.retry", { token: owner.token, input: { queue: "no.such.queue", id: failed.id } });
  expect(badQueue.error).toMatchObject({ code: "BAD_REQUEST" });
  expect(await t.db.adminAuditLog.count()).toBe(audit + 1);
});
