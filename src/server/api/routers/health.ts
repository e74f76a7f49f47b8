import { checkHealth } from "../../domain/health/check-health.ts";
import { healthReport } from "../../domain/health/health-schema.ts";
import { pingWorker } from "../../domain/system/ping-worker.ts";
import { getWebBoss } from "../../jobs/boss.ts";
import { getListener } from "../../realtime/listener.ts";
import { createTRPCRouter, publicProcedure } from "../trpc.ts";

export const healthRouter = createTRPCRouter({
  check: publicProcedure.output(healthReport).query(({ ctx }) => checkHealth({ db: ctx.db, boss: getWebBoss })),

  /** Round-trips a system.ping job through the worker (the status page's "Ping worker"). */
  ping: publicProcedure.mutation(async () => pingWorker({ boss: await getWebBoss(), listener: getListener() })),
});
