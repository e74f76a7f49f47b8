/**
 * Playwright's web server: the whole product (built web app + worker) on a throwaway embedded
 * PostgreSQL, whose directory is removed when Playwright stops it with SIGTERM.
 */
import fs from "node:fs";
import { env } from "../src/server/env.ts";
import { runStack } from "../scripts/lib/stack.ts";

await runStack({
  dev: false,
  port: env.PORT,
  afterStop: () => fs.rmSync(env.PANTHEON_DATA_DIR, { recursive: true, force: true }),
});
