import type { Db } from "../db.ts";

/** Sends a notification that every process's PgListener fans out. Runs inside `db`'s transaction
 * when given one, so listeners hear it only if the transaction commits. */
export async function publish(db: Pick<Db, "$executeRaw">, channel: string, payload: unknown): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${channel}, ${JSON.stringify(payload)})`;
}
