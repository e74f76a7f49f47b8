import { checkHealth } from "../../domain/health/check-health.ts";
import { healthReport } from "../../domain/health/health-schema.ts";
import { pingWorker } from "../../domain/system/ping-worker.ts";
import { getDb } from "../../db.ts";
import { AppError } from "../../errors.ts";
import { getWebBoss } from "../../jobs/boss.ts";
import { getListener } from "../../realtime/listener.ts";
import { createTRPCRouter, protectedProcedure, publicProcedure } from "../trpc.ts";

// Each ping holds a request open for up to 10 s; one process holds only a few at once.
const MAX_PINGS_IN_FLIGHT = 4;
let pingsInFlight = 0;

export const healthRouter = createTRPCRouter({
  check: publicProcedure.output(healthReport).query(() => checkHealth({ getDb })),

  /** Round-trips a system.ping job through the worker (the status page's "Ping worker"). Signed in
   * only: it enqueues work. */
  ping: protectedProcedure.mutation(async () => {
    if (pingsInFlight >= MAX_PINGS_IN_FLIGHT) {
      throw new AppError("rate_limited", "Too many pings in flight; try again in a moment.", { retryAfterSeconds: 1 });
    }
    pingsInFlight++;
    try {
      return await pingWorker({ boss: await getWebBoss(), listener: getListener() });
    } finally {
      pingsInFlight--;
    }
  }),
});
