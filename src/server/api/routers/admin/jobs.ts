/** `admin.jobs.*` (PRODUCT.md 9). Reads are staffProcedure (owners and analysts), writes ownerProcedure. */
import { actorOf } from "../../../domain/admin/audit.ts";
import { listJobs, retryJob, retryJobInput } from "../../../domain/admin/jobs.ts";
import { getWebBoss } from "../../../jobs/boss.ts";
import { createTRPCRouter, ownerProcedure, staffProcedure } from "../../trpc.ts";

export const jobsRouter = createTRPCRouter({
  /** Per queue: waiting, running, failed, retried and the last errors; the latest purge reports. */
  list: staffProcedure.query(({ ctx }) => listJobs(ctx.db)),
  /** A failed job runs again (NOT_FOUND when there is no such job, CONFLICT when it is not failed); audited. */
  retry: ownerProcedure.input(retryJobInput).mutation(async ({ ctx, input }) => retryJob({ db: ctx.db, boss: await getWebBoss() }, actorOf(ctx.user), input)),
});
