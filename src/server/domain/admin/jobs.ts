/**
 * The worker's queues as the admin console shows them (PRODUCT.md 9): per queue, what waits, runs,
 * failed and was retried, the last errors, and the latest report of each purge; and retrying a
 * failed job through pg-boss's own `retry`, audited in the same transaction.
 *
 * The counts are read from pg-boss's job table in one statement, so they are exact at the moment
 * of reading (`getQueues` serves counts the supervisor refreshes every few seconds to an hour).
 */
import { fromPrisma, type PgBoss } from "pg-boss";
import { z } from "zod";
import { Prisma } from "@/generated/prisma/client.ts";
import type { Db } from "../../db.ts";
import { env } from "../../env.ts";
import { AppError } from "../../errors.ts";
import { queues, type QueueKey } from "../../jobs/queues.ts";
import { recordAudit, type AuditActor } from "./audit.ts";

const queueNames = Object.values(queues).map((q) => q.name);

/** The jobs whose output is a report of what they removed. */
const purgeQueues: QueueKey[] = ["retentionChat", "retentionEvents", "retentionDeleted", "roomsPurge", "filesSweep"];

export const retryJobInput = z.object({
  queue: z.string().refine((name) => queueNames.includes(name), { message: "Unknown queue" }),
  id: z.uuid(),
});

const LAST_ERRORS = 5;

/** pg-boss's job table; the schema name is a checked identifier (env.ts). */
const jobTable = () => Prisma.raw(`"${env.PGBOSS_SCHEMA}".job`);

/** What a failed job's output says: a thrown error (`{ message, stack }`) or an expiry (`{ value: { message } }`). */
function errorMessage(output: unknown): string {
  const o = output as { message?: unknown; value?: { message?: unknown } } | null;
  if (typeof o?.message === "string") return o.message;
  if (typeof o?.value?.message === "string") return o.value.message;
  return output === null || output === undefined ? "(no error recorded)" : JSON.stringify(output).slice(0, 500);
}

interface CountRow {
  name: string;
  waiting: number;
  retrying: number;
  active: number;
  failed: number;
  completed: number;
  retried: number;
}
interface JobRow {
  name: string;
  id: string;
  state: string;
  retryCount: number;
  output: unknown;
  at: Date;
}

export async function listJobs(db: Db) {
  // Before any process has started pg-boss (a fresh install whose worker has not run yet), its
  // tables do not exist: every queue is simply empty.
  const [table] = await db.$queryRaw<{ exists: boolean }[]>`SELECT to_regclass(${`"${env.PGBOSS_SCHEMA}".job`}) IS NOT NULL AS exists`;
  if (!table?.exists) return emptyJobs();
  const [counts, errors, reports] = await Promise.all([
    db.$queryRaw<CountRow[]>`
      SELECT name,
        count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS waiting,
        count(*) FILTER (WHERE state = 'retry')::int AS retrying,
        count(*) FILTER (WHERE state = 'active')::int AS active,
        count(*) FILTER (WHERE state = 'failed')::int AS failed,
        count(*) FILTER (WHERE state = 'completed')::int AS completed,
        count(*) FILTER (WHERE retry_count > 0)::int AS retried
      FROM ${jobTable()} WHERE name = ANY(${queueNames}) GROUP BY name`,
    // Failed jobs, and jobs waiting to be retried after an error, newest first per queue.
    db.$queryRaw<JobRow[]>`
      SELECT name, id::text AS id, state::text AS state, "retryCount", output, at FROM (
        SELECT name, id, state, retry_count AS "retryCount", output, COALESCE(completed_on, started_on, created_on) AS at,
               row_number() OVER (PARTITION BY name ORDER BY COALESCE(completed_on, started_on, created_on) DESC) AS n
        FROM ${jobTable()}
        WHERE name = ANY(${queueNames}) AND (state = 'failed' OR (state = 'retry' AND output IS NOT NULL))
      ) j WHERE n <= ${LAST_ERRORS} ORDER BY at DESC`,
    db.$queryRaw<JobRow[]>`
      SELECT DISTINCT ON (name) name, id::text AS id, state::text AS state, retry_count AS "retryCount", output, completed_on AS at
      FROM ${jobTable()}
      WHERE name = ANY(${purgeQueues.map((k) => queues[k].name)}) AND state = 'completed'
      ORDER BY name, completed_on DESC`,
  ]);
  const countOf = new Map(counts.map((c) => [c.name, c]));
  return {
    queues: queueNames.map((name) => {
      const c = countOf.get(name);
      return {
        name,
        waiting: c?.waiting ?? 0,
        retrying: c?.retrying ?? 0,
        active: c?.active ?? 0,
        failed: c?.failed ?? 0,
        completed: c?.completed ?? 0,
        retried: c?.retried ?? 0,
        lastErrors: errors
          .filter((e) => e.name === name)
          .map((e) => ({ id: e.id, state: e.state as "failed" | "retry", retryCount: e.retryCount, error: errorMessage(e.output), at: e.at })),
      };
    }),
    purgeReports: purgeQueues.map((key) => {
      const row = reports.find((r) => r.name === queues[key].name);
      return { queue: queues[key].name, jobId: row?.id ?? null, completedAt: row?.at ?? null, report: (row?.output ?? null) as Record<string, unknown> | null };
    }),
  };
}

function emptyJobs() {
  return {
    queues: queueNames.map((name) => ({ name, waiting: 0, retrying: 0, active: 0, failed: 0, completed: 0, retried: 0, lastErrors: [] as { id: string; state: "failed" | "retry"; retryCount: number; error: string; at: Date }[] })),
    purgeReports: purgeQueues.map((key) => ({ queue: queues[key].name, jobId: null as string | null, completedAt: null as Date | null, report: null as Record<string, unknown> | null })),
  };
}

/** Runs a failed job again (pg-boss's `retry`: back to `retry` with one more attempt allowed), audited. */
export async function retryJob(deps: { db: Db; boss: PgBoss }, actor: AuditActor, input: z.infer<typeof retryJobInput>) {
  await deps.db.$transaction(async (tx) => {
    const [job] = await tx.$queryRaw<JobRow[]>`
      SELECT name, id::text AS id, state::text AS state, retry_count AS "retryCount", output, COALESCE(completed_on, created_on) AS at
      FROM ${jobTable()} WHERE name = ${input.queue} AND id = ${input.id}::uuid FOR UPDATE`;
    if (!job) throw new AppError("not_found", `No job ${input.id} in ${input.queue}.`);
    if (job.state !== "failed") throw new AppError("conflict", `Only a failed job can be retried; this one is ${job.state}.`, { state: job.state });
    // pg-boss 12 types CommandResponse as {}; at run time it carries { jobs, requested, affected }.
    const result = (await deps.boss.retry(input.queue, input.id, { db: fromPrisma(tx) })) as { affected?: number };
    if (result.affected !== 1) throw new AppError("conflict", "The job changed while it was being retried; reload and try again.");
    await recordAudit(tx, actor, {
      action: "job.retry",
      targetType: "job",
      targetId: input.id,
      before: { queue: input.queue, state: "failed", retryCount: job.retryCount, error: errorMessage(job.output) },
      after: { queue: input.queue, state: "retry" },
    });
  });
  return { queue: input.queue, id: input.id, state: "retry" as const };
}
