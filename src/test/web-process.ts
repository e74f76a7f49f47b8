import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import path from "node:path";
import { freePort } from "./free-port.ts";
import { waitFor } from "./wait-for.ts";

const root = path.resolve(import.meta.dirname, "../..");

export interface WebProcess {
  base: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** The built app (`next start`, built by the global setup) on a free port against `databaseUrl`. */
export async function startWeb(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<WebProcess> {
  const port = await freePort();
  const base = `http://localhost:${port}`;
  const child = spawn(path.join(root, "node_modules/.bin/next"), ["start", "-p", String(port)], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      NEXTAUTH_URL: base,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      LOG_LEVEL: "warn",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stop() ends next's children too.
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  await waitFor("next start", async () => (await fetch(`${base}/api/health`)).status < 500, 60_000, 200, once(child, "exit").then(() => new Error(output)));
  return {
    base,
    child,
    output: () => output,
    async stop() {
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid, "SIGTERM");
        await once(child, "exit");
      }
    },
  };
}
