/** Access cases of `admin.jobs.*` (see types.ts). */
import type { PgBoss } from "pg-boss";
import { afterAll } from "vitest";
import { failedJob } from "../failed-job.ts";
import { startSenderBoss } from "../turns.ts";
import type { AccessCases } from "./types.ts";

const globals = globalThis as unknown as { pantheonBoss?: Promise<PgBoss> };
let started: Promise<PgBoss> | undefined;

/**
 * `admin.jobs.retry` uses the web process's pg-boss (`getWebBoss()`): pointed here at the test's
 * database, unless the test file already bound it (bindWebSingletons), and stopped after the file.
 */
function webBoss(url: string): Promise<PgBoss> {
  if (!globals.pantheonBoss) globals.pantheonBoss = started = startSenderBoss(url);
  return globals.pantheonBoss;
}
afterAll(async () => {
  if (!started) return;
  const boss = started;
  started = undefined;
  if (globals.pantheonBoss === boss) delete globals.pantheonBoss;
  await (await boss).stop({ graceful: false });
});

export const jobsCases: AccessCases = {
  "admin.jobs.list": { input: () => undefined },
  // A job that failed, fresh for each call: only the owner's call retries it.
  "admin.jobs.retry": { input: async (world) => failedJob(await webBoss(world.url)) },
};
