/**
 * `billing.grants` in real worker processes: each worker registers its every-5-minutes schedule,
 * and two workers handling the job at once for a subscription past its boundary grant the period
 * once (domain/billing/plan-grants.ts).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { cliActor } from "@/server/domain/admin/audit.ts";
import { assignPlan } from "@/server/domain/billing/manual-plans.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { startSenderBoss } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";
import { queues } from "./queues.ts";

const t = databaseForThisFile();
let boss: PgBoss;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  boss = await startSenderBoss(t.url);
});
afterAll(async () => {
  for (const w of workers) w.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));
  await boss?.stop({ graceful: false });
});

it("two workers running billing.grants at once grant a due period once", async () => {
  const user = await ensureUserByEmail(t.db, "grants@example.com");
  const start = new Date(Date.now() - 40 * 86_400_000);
  const { subscription } = await assignPlan(t.db, cliActor, { userId: user.id, planKey: "starter" }, { now: start });

  workers.push(await startWorker(t.url, t.db), await startWorker(t.url, t.db));
  const schedules = await t.db.$queryRawUnsafe<{ name: string; cron: string }[]>(`SELECT name, cron FROM ${process.env.PGBOSS_SCHEMA ?? "pgboss"}.schedule WHERE name = $1`, queues.billingGrants.name);
  expect(schedules).toEqual([{ name: "billing.grants", cron: "*/5 * * * *" }]);

  const ids = await Promise.all([boss.send(queues.billingGrants.name, {}), boss.send(queues.billingGrants.name, {})]);
  const jobs = await waitFor(
    "both billing.grants jobs done",
    async () => {
      const found = await Promise.all(ids.map((id) => boss.getJobById(queues.billingGrants.name, id!)));
      return found.every((j) => j?.state === "completed") ? found : null;
    },
    30_000,
    200,
  );
  const grants = await t.db.creditTransaction.findMany({ where: { userId: user.id, kind: "plan_grant" }, orderBy: { createdAt: "asc" } });
  expect(grants).toHaveLength(2);
  const sub = await t.db.subscription.findUniqueOrThrow({ where: { id: subscription!.id } });
  expect(grants[1]!.referenceId).toBe(`manual:${sub.id}:${sub.currentPeriodStart.toISOString()}`);
  expect(sub.currentPeriodEnd.getTime()).toBeGreaterThan(Date.now());
  const reports = jobs.map((j) => j!.output as { granted: number });
  expect(reports.reduce((sum, r) => sum + r.granted, 0)).toBe(1);
});
