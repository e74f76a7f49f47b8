/** Access cases of `admin.jobs.*` (see types.ts). */
import type { PgBoss } from "pg-boss";
import { onTestFinished } from "vitest";
import { failedJob } from "../failed-job.ts";
import { startSenderBoss } from "../turns.ts";
import type { AccessCases } from "./types.ts";

const globals = globalThis as unknown as { pantheonBoss?: Promise<PgBoss> };

/**
 * `admin.jobs.retry` uses the web process's pg-boss (`getWebBoss()`): unless the test file bound it
 * (bindWebSingletons), it is pointed at the test's database for the running test, and stopped when
 * that test ends (before the database is dropped).
 */
function webBoss(url: string): Promise<PgBoss> {
  if (globals.pantheonBoss) return globals.pantheonBoss;
  const boss = startSenderBoss(url);
  globals.pantheonBoss = boss;
  onTestFinished(async () => {
    if (globals.pantheonBoss === boss) delete globals.pantheonBoss;
    await (await boss).stop({ graceful: false });
  });
  return boss;
}

export const jobsCases: AccessCases = {
  "admin.jobs.list": { input: () => undefined },
  // A job that failed, fresh for each call: only the owner's call retries it.
  "admin.jobs.retry": { input: async (world) => failedJob(await webBoss(world.url)) },
};
