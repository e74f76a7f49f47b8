import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Db } from "@/server/db.ts";
import { waitFor } from "./wait-for.ts";

const root = path.resolve(import.meta.dirname, "../..");

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** Starts the real worker (`src/worker/main.ts`) against `databaseUrl` and waits for its first heartbeat. */
export async function startWorker(databaseUrl: string, db: Db, extraEnv: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "src/worker/main.ts")], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "info", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid!;
  await waitFor(
    `worker ${pid} heartbeat`,
    () => db.workerHeartbeat.findFirst({ where: { pid } }),
    20_000,
    100,
    exited.then(({ code, signal }) => new Error(`worker exited early (${signal ?? code}):\n${output}`)),
  );
  return { child, pid, exited, output: () => output };
}
