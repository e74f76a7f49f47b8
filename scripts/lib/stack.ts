/**
 * Brings up a whole Pantheon: the database (embedded unless DATABASE_URL is set), migrations, the web
 * app and the worker. Used by `npm start`, `npm run dev` and the Playwright web server.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import { env } from "../../src/server/env.ts";
import { startEmbeddedPostgres, type EmbeddedCluster } from "./embedded-postgres.ts";
import { logLineFormatter } from "./log-lines.ts";
import { runToCompletion, startManaged, type Managed } from "./processes.ts";

const root = path.resolve(import.meta.dirname, "../..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const say = (line: string) => console.log(`[pantheon] ${line}`);

const baseEnv = {
  ...process.env,
  CHECKPOINT_DISABLE: "1",
  NEXT_TELEMETRY_DISABLED: "1",
};

export async function ensureDatabase(): Promise<{ url: string; cluster: EmbeddedCluster | null }> {
  if (env.DATABASE_URL) {
    say("using DATABASE_URL");
    return { url: env.DATABASE_URL, cluster: null };
  }
  const cluster = await startEmbeddedPostgres({ root: env.PANTHEON_DATA_DIR, port: env.PANTHEON_PG_PORT, log: say });
  return { url: cluster.url, cluster };
}

export async function migrate(url: string, signal?: AbortSignal): Promise<void> {
  await runToCompletion(bin("prisma"), ["migrate", "deploy"], { cwd: root, env: { ...baseEnv, DATABASE_URL: url }, quiet: true, signal });
  say("database migrated");
}

function newestMtime(entry: string): number {
  const stat = fs.statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

/** `npm start` serves the production build; it is (re)built when missing or older than the sources. */
export async function ensureBuild(options: { force?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  const buildId = path.join(root, ".next", "BUILD_ID");
  const stale = () => {
    const builtAt = fs.statSync(buildId, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const sources = ["src", "public", "next.config.mjs", "package.json", "tsconfig.json"].map((p) => newestMtime(path.join(root, p)));
    return { builtAt, stale: builtAt <= Math.max(...sources) || !!options.force };
  };
  if (!stale().stale) return;
  // Two processes building into one .next at once corrupt it (a test run and `npm start`, say).
  const release = await buildLock(options.signal);
  try {
    const { builtAt, stale: again } = stale();
    if (!again) return;
    say(builtAt ? "sources changed since the last build; building" : "building the app (first start)");
    const startedAt = new Date();
    await runToCompletion(bin("next"), ["build"], { cwd: root, env: { ...baseEnv, NODE_ENV: "production" }, signal: options.signal });
    // The build is as new as the sources it started from: a file saved while it ran is newer,
    // so the next start builds again instead of serving a build without that change.
    fs.utimesSync(buildId, startedAt, startedAt);
  } finally {
    release();
  }
}

/** A directory lock beside .next; one left by a killed build is taken over after 15 minutes. */
async function buildLock(signal?: AbortSignal): Promise<() => void> {
  const lock = path.join(root, ".next-build.lock");
  for (;;) {
    try {
      fs.mkdirSync(lock);
      return () => fs.rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 15 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      else await sleep(500, undefined, { signal });
    }
  }
}

/**
 * With no NEXTAUTH_SECRET set, `npm start` keeps a generated one beside the embedded database, so
 * sign-ins survive restarts without any setting. Deployments set their own (see docs/deployment.md).
 */
function localAuthSecret(): string {
  return localSecret("auth-secret", () => randomBytes(32).toString("base64url"));
}

/**
 * With no PANTHEON_ENCRYPTION_KEY set, `npm start` keeps a generated one (32 random bytes, base64)
 * beside the embedded database, so saved provider API keys stay readable across restarts. Losing or
 * changing it makes saved keys unreadable (see docs/operations.md); deployments set their own.
 */
function localEncryptionKey(): string {
  // The server reads this same file when the variable is unset (crypto/secret-box.ts).
  return localSecret("encryption-key", () => randomBytes(32).toString("base64"));
}

/** A secret file under the data dir (mode 0600), made on first use and read as is afterwards. */
function localSecret(name: string, generate: () => string): string {
  const file = path.join(path.resolve(env.PANTHEON_DATA_DIR), name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, generate(), { mode: 0o600, flag: "wx" });
    } catch (error) {
      // Another start made it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return fs.readFileSync(file, "utf8").trim();
}

export interface Stack {
  url: string;
  web: Managed;
  worker: Managed;
  stop(): Promise<void>;
}

/** Starts everything; `signal` aborts a start-up in progress (the database it started is stopped). */
export async function startStack(options: { dev: boolean; port: number; signal: AbortSignal }): Promise<Stack> {
  const { url, cluster } = await ensureDatabase();
  try {
    options.signal.throwIfAborted();
    await migrate(url, options.signal);
    if (!options.dev) await ensureBuild({ signal: options.signal });
    options.signal.throwIfAborted();
  } catch (error) {
    await cluster?.stop();
    throw error;
  }

  const childEnv = {
    ...baseEnv,
    DATABASE_URL: url,
    PORT: String(options.port),
    NEXTAUTH_URL: env.NEXTAUTH_URL ?? `http://localhost:${options.port}`,
    NEXTAUTH_SECRET: env.NEXTAUTH_SECRET ?? localAuthSecret(),
    PANTHEON_ENCRYPTION_KEY: env.PANTHEON_ENCRYPTION_KEY ?? localEncryptionKey(),
    // A local install (embedded database, no SMTP) signs in through the outbox page, so that
    // `npm start` works with no settings; any explicit AUTH_DEV_OUTBOX wins.
    ...(cluster && !env.EMAIL_SERVER && process.env.AUTH_DEV_OUTBOX === undefined ? { AUTH_DEV_OUTBOX: "true" } : {}),
  };
  // Human-readable logs on a terminal, JSON elsewhere; sign-in links also as plain lines (log-lines.ts).
  const terminal = Boolean(process.stdout.isTTY);
  const lines = logLineFormatter({ pretty: terminal, colorize: terminal && !process.env.NO_COLOR });
  const web = options.dev
    ? startManaged("web", bin("next"), ["dev", "-p", String(options.port)], { cwd: root, env: childEnv, lines })
    : startManaged("web", bin("next"), ["start", "-p", String(options.port)], { cwd: root, env: { ...childEnv, NODE_ENV: "production" }, lines });
  const worker = startManaged(
    "worker",
    process.execPath,
    [...(options.dev ? ["--watch"] : []), "--import", "tsx", path.join(root, "src/worker/main.ts")],
    { cwd: root, env: { ...childEnv, NODE_ENV: options.dev ? "development" : "production" }, lines },
  );
  say(`web on http://localhost:${options.port}, worker started; Ctrl-C stops everything`);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      say("stopping the web app and the worker");
      // The worker finishes its active jobs before PostgreSQL goes away.
      await Promise.all([web.stop(), worker.stop()]);
      if (cluster) {
        say("stopping the embedded PostgreSQL");
        await cluster.stop();
      }
      say("stopped");
    })());

  return { url, web, worker, stop };
}

/**
 * Runs the stack until SIGINT, SIGTERM or SIGHUP, then stops everything and exits 0. A signal during
 * start-up aborts it cleanly. If the web app dies, everything stops (exit 1); if the worker dies,
 * the web app keeps serving and health reports the worker down.
 */
export async function runStack(options: { dev: boolean; port: number; afterStop?: () => void }): Promise<void> {
  const abort = new AbortController();
  let stack: Stack | null = null;
  let exiting = false;
  const shutdown = async (code: number) => {
    if (exiting) return;
    exiting = true;
    await stack?.stop();
    options.afterStop?.();
    process.exit(code);
  };
  const onSignal = () => (stack ? void shutdown(0) : abort.abort());
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);

  try {
    stack = await startStack({ dev: options.dev, port: options.port, signal: abort.signal });
  } catch (error) {
    options.afterStop?.();
    if (abort.signal.aborted) {
      say("stopped during start-up");
      process.exit(0);
    }
    throw error;
  }
  if (abort.signal.aborted) return shutdown(0);

  void stack.web.exited.then(({ code, signal }) => {
    if (exiting) return;
    console.error(`[pantheon] the web app exited (${signal ?? `code ${code}`}); stopping`);
    void shutdown(1);
  });
  void stack.worker.exited.then(({ code, signal }) => {
    if (exiting) return;
    console.error(
      `[pantheon] the worker exited (${signal ?? `code ${code}`}). Jobs wait in the queue until a worker runs: ` +
        "start one with `npm run worker`. The web app keeps running.",
    );
  });
}
