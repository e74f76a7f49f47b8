/**
 * Once per `vitest run`: the app built if stale, and a fresh embedded PostgreSQL on a free port, with the real migrations
 * applied to a template database. Integration tests clone the template (see database.ts), so each
 * test file gets its own database in milliseconds.
 */
import fs from "node:fs";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { ensureBuild, migrate } from "../../scripts/lib/stack.ts";
import { freePort } from "./free-port.ts";
import { makeTempDir } from "./temp-dir.ts";
import { TEMPLATE_DATABASE } from "./template.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A URL of the test cluster's maintenance database, for creating per-file databases. */
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  // Tests that run the real web server need the production build; building here, once, keeps two
  // test files from building into .next at the same time. PANTHEON_TEST_SKIP_BUILD=1 skips it when
  // running only files that start no web server (a quicker loop while working on domain code).
  if (process.env.PANTHEON_TEST_SKIP_BUILD !== "1") await ensureBuild();

  const root = makeTempDir("pantheon-vitest");
  const cluster = await startEmbeddedPostgres({ root, port: await freePort() });
  const teardown = async () => {
    await cluster.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    const admin = new URL(cluster.url);
    admin.pathname = "/postgres";
    const template = new URL(cluster.url);
    template.pathname = `/${TEMPLATE_DATABASE}`;

    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`).finally(() => client.end());
    await migrate(template.toString());

    project.provide("adminDatabaseUrl", admin.toString());
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
