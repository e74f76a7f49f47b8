/**
 * The Prisma client, on the Rust-free query compiler with the pg driver adapter.
 * Created lazily: `next build` evaluates modules with no database around.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client.ts";
import { resolveDatabaseUrl } from "./database-url.ts";
import { env } from "./env.ts";
import { logger } from "./logger.ts";

export type Db = PrismaClient;

export function createDb(databaseUrl = resolveDatabaseUrl()): Db {
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max: env.DATABASE_POOL_MAX, connectionTimeoutMillis: 5000 },
    // A dropped connection (e.g. PostgreSQL restarting) must not crash the process: the pool
    // discards the client and the next query opens a new one.
    { onPoolError: (err) => logger.warn({ error: err.message, code: (err as { code?: string }).code }, "database connection lost") },
  );
  // A burst of turns (one user's concurrent sends, a worker running several turns) can wait for a
  // pooled connection longer than Prisma's 2 s default before a transaction starts; waiting is
  // right there, failing the send or the step is not.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 15_000, timeout: 20_000 } });
}

const globalForDb = globalThis as unknown as { pantheonDb?: Db };

/** The process-wide client (kept on globalThis so Next's dev reloads do not open new pools). */
export function getDb(): Db {
  globalForDb.pantheonDb ??= createDb();
  return globalForDb.pantheonDb;
}
