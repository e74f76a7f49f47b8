/**
 * pg-boss instances. pg-boss keeps its own schema (PGBOSS_SCHEMA) in Pantheon's database.
 */
import { PgBoss } from "pg-boss";
import { resolveDatabaseUrl } from "../database-url.ts";
import { env } from "../env.ts";
import { logger } from "../logger.ts";
import { ensureQueues } from "./queues.ts";

export function createBoss(role: "web" | "worker", databaseUrl = resolveDatabaseUrl()): PgBoss {
  const log = logger.child({ component: `pg-boss:${role}` });
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: env.PGBOSS_SCHEMA,
    max: role === "worker" ? 10 : 4,
    // Maintenance, monitoring and cron run in the worker only; web processes just send.
    supervise: role === "worker",
    schedule: role === "worker",
    monitorIntervalSeconds: 10,
    // Jobs whose worker stopped beating (SIGKILL, lost host) are failed and retried on this pass.
    superviseIntervalSeconds: 10,
    useListenNotify: role === "worker" && env.PGBOSS_LISTEN_NOTIFY,
  });
  // Without a listener an 'error' event would crash the process, e.g. while PostgreSQL restarts.
  boss.on("error", (err) => log.warn({ err }, "pg-boss error"));
  boss.on("warning", (warning) => log.warn({ warning }, "pg-boss warning"));
  return boss;
}

const globalForBoss = globalThis as unknown as { pantheonBoss?: Promise<PgBoss> };

/** The web process's sender, started on first use. A failed start is retried on the next call. */
export function getWebBoss(): Promise<PgBoss> {
  globalForBoss.pantheonBoss ??= (async () => {
    const boss = createBoss("web");
    await boss.start();
    await ensureQueues(boss);
    return boss;
  })().catch((error: unknown) => {
    globalForBoss.pantheonBoss = undefined;
    throw error;
  });
  return globalForBoss.pantheonBoss;
}
