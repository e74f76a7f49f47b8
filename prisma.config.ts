import path from "node:path";
import { defineConfig } from "prisma/config";
import { createMigrateAdapter } from "./prisma/migrate-adapter.ts";
import { resolveDatabaseUrl } from "./src/server/database-url.ts";

// Prisma skips .env when a config file exists; src/server/env.ts (imported above) loads it.
process.env.CHECKPOINT_DISABLE ??= "1";

// The schema keeps `url = env("DATABASE_URL")` (see schema.prisma), and Prisma refuses to read a
// schema whose env var is missing, falling back to downloading engines. Commands that touch the
// database use the adapter below; this value only lets the schema load for `prisma generate`.
process.env.DATABASE_URL ||= tryResolveDatabaseUrl() ?? "postgresql://unconfigured@127.0.0.1:5432/unconfigured";

function tryResolveDatabaseUrl(): string | undefined {
  try {
    return resolveDatabaseUrl();
  } catch {
    return undefined;
  }
}

// This file runs inside the Prisma CLI. Its WASM schema engine arms a 10 s guard timer that is never
// cleared, so each command would idle ~10 s before exiting. Long timers are guards, not work the
// command waits for, so they stop holding the process open.
const armTimer = globalThis.setTimeout;
globalThis.setTimeout = ((handler: () => void, ms?: number, ...args: unknown[]) => {
  const timer = armTimer(handler, ms, ...args) as unknown as NodeJS.Timeout;
  if ((ms ?? 0) >= 5000) timer.unref();
  return timer;
}) as typeof setTimeout;

export default defineConfig({
  experimental: { adapter: true },
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  engine: "js",
  // Resolved lazily: `prisma generate` needs no database.
  adapter: async () => {
    return createMigrateAdapter(resolveDatabaseUrl());
  },
});
