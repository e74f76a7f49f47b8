/**
 * Child processes that run in their own process group, so that stopping one also stops what it
 * started (`next start` runs a separate `next-server` process) and a terminal Ctrl-C reaches only
 * the orchestrator, which then stops everything in order.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

export interface Managed {
  name: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the whole group, then SIGKILL after `graceMs`. Resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * `lines`, when given, receives each line the child writes to stdout and returns what to print
 * instead (log-lines.ts); stderr stays the terminal's.
 */
export function startManaged(name: string, command: string, args: string[], options: SpawnOptions & { lines?: (line: string) => string[] } = {}): Managed {
  const { lines, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: lines ? ["inherit", "pipe", "inherit"] : "inherit", ...spawnOptions, detached: true });
  if (lines && child.stdout) {
    const reader = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
    reader.on("line", (line) => {
      for (const out of lines(line)) process.stdout.write(`${out}\n`);
    });
  }
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once("error", () => {
      done = true;
      resolve({ code: 127, signal: null });
    });
  });

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };

  return {
    name,
    child,
    exited,
    async stop(graceMs = 35_000) {
      if (!done) signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // Grandchildren (next-server) may outlive the group leader by a moment.
      signalGroup("SIGKILL");
    },
  };
}

/**
 * Runs a command to completion; rejects with its exit code. With `quiet`, its output is kept and
 * shown only in the error when it fails.
 */
export function runToCompletion(command: string, args: string[], options: SpawnOptions & { quiet?: boolean } = {}): Promise<void> {
  const { quiet, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit", ...spawnOptions });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(command)} ${args.join(" ")} failed (${signal ?? `exit ${code}`})${output ? `:\n${output}` : ""}`)),
    );
  });
}
