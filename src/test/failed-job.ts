/**
 * A job that failed for good, for the admin Jobs view and its retry: sent with no retries, fetched
 * as a worker would and failed with `message`.
 */
import type { PgBoss } from "pg-boss";
import { queues } from "@/server/jobs/queues.ts";

export async function failedJob(boss: PgBoss, message = "the store was unreachable", queue: string = queues.systemMaintenance.name): Promise<{ queue: string; id: string }> {
  const id = await boss.send(queue, {}, { retryLimit: 0 });
  if (!id) throw new Error("pg-boss refused the job");
  // Fetch by id, so a job another test left waiting in this queue is not the one failed.
  const [job] = await boss.fetch(queue, { batchSize: 50 }).then((jobs) => jobs.filter((j) => j.id === id));
  if (!job) throw new Error("the job was not fetched");
  await boss.fail(queue, job.id, { message });
  return { queue, id };
}
