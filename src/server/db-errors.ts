/**
 * Recognising database errors the domain handles (the one home for "was that a unique violation?").
 * Prisma reports a violated unique constraint as P2002 from its query builder; through the pg
 * driver adapter a raw query's violation arrives as P2010 carrying PostgreSQL's SQLSTATE 23505.
 */
import { Prisma } from "@/generated/prisma/client.ts";

const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";

/** PostgreSQL's SQLSTATE behind an error, however the query reached it. */
function sqlState(error: unknown): unknown {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const meta = error.meta as { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } } | undefined;
    return meta?.driverAdapterError?.cause?.originalCode ?? meta?.code;
  }
  return (error as { code?: unknown } | null)?.code;
}

export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return true;
  return sqlState(error) === UNIQUE_VIOLATION;
}

/** A row referenced a row that is gone (e.g. a user deleted while their request was running). */
export function isForeignKeyViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2003") return true;
  return sqlState(error) === FOREIGN_KEY_VIOLATION;
}
