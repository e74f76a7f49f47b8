/**
 * Recognising database errors the domain handles (the one home for "was that a unique violation?").
 * Prisma reports a violated unique constraint as P2002 from its query builder; through the pg
 * driver adapter a raw query's violation arrives as P2010 carrying PostgreSQL's SQLSTATE 23505.
 */
import { Prisma } from "@/generated/prisma/client.ts";

const UNIQUE_VIOLATION = "23505";

export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === "P2002") return true;
    const meta = error.meta as { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } | undefined;
    return meta?.code === UNIQUE_VIOLATION || meta?.driverAdapterError?.cause?.originalCode === UNIQUE_VIOLATION || meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
  }
  return (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}
