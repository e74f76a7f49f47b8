/**
 * Once per `vitest run`: a fresh embedded PostgreSQL on a free port, with the real migrations
 * applied to a template database. Integration tests clone the template (see database.ts), so each
 * test file gets its own database in milliseconds.
 */
import fs from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { runToCompletion } from "../../scripts/lib/processes.ts";
import { freePort } from "./free-port.ts";
import { makeTempDir } from "./temp-dir.ts";

export const TEMPLATE_DATABASE = "pantheon_template";

declare module "vitest" {
  export interface ProvidedContext {
    /** A URL of the test cluster's maintenance database, for creating per-file databases. */
    adminDatabaseUrl: string;
    /** The data root of the test cluster (for tests that need to know it). */
    testDataRoot: string;
  }
}

export default async function setup(project: TestProject) {
  const root = makeTempDir("pantheon-vitest");
  const cluster = await startEmbeddedPostgres({ root, port: await freePort() });
  const admin = new URL(cluster.url);
  admin.pathname = "/postgres";

  const template = new URL(cluster.url);
  template.pathname = `/${TEMPLATE_DATABASE}`;
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await client.end();

  await runToCompletion(path.resolve(import.meta.dirname, "../../node_modules/.bin/prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: template.toString(), CHECKPOINT_DISABLE: "1" },
    quiet: true,
  });

  project.provide("adminDatabaseUrl", admin.toString());
  project.provide("testDataRoot", root);

  return async () => {
    await cluster.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
}
