/**
 * The access cases of the admin router (src/server/api/admin-access.integration.test.ts): for every
 * procedure, a valid input built from a fresh world, so only the caller's role can refuse it. Each
 * area of the router lists its cases in its own file here.
 */
import type { Db } from "@/server/db.ts";

export interface AdminCaller {
  user: { id: string; email: string };
  token: string;
}

export interface AdminWorld {
  db: Db;
  /** The test database's URL (for a pg-boss of the test's own). */
  url: string;
  owner: AdminCaller;
  analyst: AdminCaller;
  /** A plain user, for the actions that need someone to act on. */
  target: { id: string; email: string };
}

export interface AccessCase {
  /** A valid input; built just before the call (a write may need something that exists). */
  input: (world: AdminWorld) => unknown;
}

export type AccessCases = Record<string, AccessCase>;
