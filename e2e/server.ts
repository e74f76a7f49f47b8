/**
 * Playwright's web server: the whole product (built web app + worker) on a throwaway embedded
 * PostgreSQL, removed again when Playwright stops it with SIGTERM.
 */
import fs from "node:fs";
import { env } from "../src/server/env.ts";
import { startStack } from "../scripts/lib/stack.ts";

const stack = await startStack({ dev: false, port: env.PORT });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  fs.rmSync(env.PANTHEON_DATA_DIR, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
