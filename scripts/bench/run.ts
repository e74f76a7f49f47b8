/**
 * `npm run bench`: measures what the foundation promises and writes docs/benchmarks.md.
 * - cold `npm start` to a healthy /api/health (new data dir; and a restart with existing data);
 * - system.ping round trip (web → queue → worker → web) with LISTEN/NOTIFY wake-up and with pg-boss
 *   polling alone;
 * - the turn engine (scripts/bench/turns.ts): send → job start, event relay to 20 SSE streams,
 *   turns per second with the offline model, and memory under that load;
 * - the cost of metering per call (scripts/bench/metering.ts): reserve + settle in a step's
 *   transactions, against the same transactions without them.
 * `npm run bench -- --turns` runs only the turn and metering benchmarks and prints them (docs/
 * stays as is).
 * Everything runs on throwaway embedded clusters on free ports; nothing touches .pantheon/.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "../../src/server/db.ts";
import { pingWorker } from "../../src/server/domain/system/ping-worker.ts";
import { createBoss } from "../../src/server/jobs/boss.ts";
import { ensureQueues } from "../../src/server/jobs/queues.ts";
import { PgListener } from "../../src/server/realtime/listener.ts";
import { freePort } from "../../src/test/free-port.ts";
import { makeTempDir } from "../../src/test/temp-dir.ts";
import { waitFor } from "../../src/test/wait-for.ts";
import { startWorker } from "../../src/test/worker-process.ts";
import { startEmbeddedPostgres } from "../lib/embedded-postgres.ts";
import { ensureBuild, migrate } from "../lib/stack.ts";
import { benchMetering, type MeteringBench, type MeteringRun } from "./metering.ts";
import { benchTurns, type TurnBench } from "./turns.ts";

const root = path.resolve(import.meta.dirname, "../..");

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1)! };
}

async function timeStartToHealthy(dataDir: string): Promise<number> {
  const port = await freePort();
  const env = { ...process.env, PANTHEON_DATA_DIR: dataDir, PANTHEON_PG_PORT: String(await freePort()), PORT: String(port), LOG_LEVEL: "warn" };
  delete (env as Record<string, string | undefined>).DATABASE_URL;
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: root, env, stdio: "ignore" });
  const exited = new Promise<Error>((resolve) => child.once("exit", (code) => resolve(new Error(`npm start exited (${code})`))));
  await waitFor(
    "healthy",
    async () => {
      const body = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as { db: { ok: boolean }; worker: { ok: boolean } };
      return body.db.ok && body.worker.ok;
    },
    240_000,
    50,
    exited,
  );
  const elapsed = performance.now() - started;
  child.kill("SIGINT");
  await exited;
  return elapsed;
}

async function pingSeries(listenNotify: boolean, count: number) {
  const dir = makeTempDir("pantheon-bench");
  const cluster = await startEmbeddedPostgres({ root: dir, port: await freePort() });
  const db = createDb(cluster.url);
  const boss = createBoss("web", cluster.url);
  const listener = new PgListener(cluster.url);
  try {
    await migrate(cluster.url);
    await boss.start();
    await ensureQueues(boss);
    const worker = await startWorker(cluster.url, db, { PGBOSS_LISTEN_NOTIFY: String(listenNotify), LOG_LEVEL: "warn" });
    try {
      for (let i = 0; i < 5; i++) await pingWorker({ boss, listener }); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < count; i++) samples.push((await pingWorker({ boss, listener })).roundTripMs);
      return summary(samples);
    } finally {
      worker.child.kill("SIGTERM");
      await worker.exited;
    }
  } finally {
    await listener.close();
    await boss.stop({ graceful: false });
    await db.$disconnect();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The turn and metering benchmarks on a cluster of their own (metering first, on a quiet database). */
async function turnSeries(): Promise<{ turns: TurnBench; metering: MeteringBench }> {
  const dir = makeTempDir("pantheon-bench");
  const cluster = await startEmbeddedPostgres({ root: dir, port: await freePort() });
  const db = createDb(cluster.url);
  try {
    await migrate(cluster.url);
    const metering = await benchMetering(db);
    await ensureBuild();
    return { turns: await benchTurns(db, cluster.url), metering };
  } finally {
    await db.$disconnect();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

function turnsSection(turns: TurnBench): string {
  const row = (name: string, s: { n: number; p50: number; p99: number; max: number }, goal: string) =>
    `| ${name} | ${s.n} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${goal} |`;
  const relayLabel = `worker event → SSE client (${turns.relay.streams} streams open, ${turns.relay.turns} turns at 30 ms/token, every event incl. deltas)`;
  return `## Turns

Against the built app (\`next start\`) and one worker (\`turn.run\` concurrency 4) on a fresh
embedded cluster, through the CLI's tRPC client (HTTP for calls, SSE for \`turns.events\`). Rooms
have one agent on the offline model.

| measure | samples | p50 | p99 | max | goal |
|---|---|---|---|---|---|
${row("send → job start (\`turns.send\` call to the turn's \`started_at\`, worker idle, model at zero delay)", turns.pickup, "p50 ≤ 50 ms")}
${row(relayLabel, turns.relay, "p50 ≤ 30 ms, p99 ≤ 150 ms")}

- **Throughput:** ${turns.throughput.perSecond.toFixed(1)} turns/s (${turns.throughput.turns} turns in ${turns.throughput.seconds.toFixed(1)} s,
  ${turns.throughput.sessions} sessions each sending its next turn when the last one ends; offline model at zero delay).
- **Peak RSS under that load:** web ${turns.rss.webMiB.toFixed(0)} MiB (\`next start\` and its server process), worker ${turns.rss.workerMiB.toFixed(0)} MiB.

The relay is measured from the event row's \`created_at\` (the database clock, at the start of the
writing transaction) to its arrival at the client, so it includes the commit and the NOTIFY.
`;
}

function meteringSection(m: MeteringBench): string {
  const pair = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`;
  const row = (r: MeteringRun) =>
    `| ${r.lanes} | ${r.calls} | ${pair(r.reserve)} | ${pair(r.settle)} | ${pair(r.plain)} | ${pair(r.metered)} | ${ms(r.metered.p50 - r.plain.p50)} / ${ms(r.metered.p99 - r.plain.p99)} |`;
  return `## Cost of metering

What metering adds to each LLM call (PRODUCT.md 7.4): \`reserveCall\` in the transaction that
starts a step (wallet hold, reservation row) and \`settleCall\` in the transaction that ends it
(ledger row, debit, release). Measured on a fresh embedded cluster with the same two transactions
StepRunner runs around a provider call (start: step row and \`step_started\`; finish: step update,
message and \`step_completed\`), alternately without metering and with it, after 20 warm-up calls
per lane; the provider call itself is left out. With several calls at once, each is in a session
of its own and all are one user's, so they queue on that user's wallet row.

| calls at once | metered calls | \`reserveCall\` p50 / p99 | \`settleCall\` p50 / p99 | start + finish without metering p50 / p99 | with metering p50 / p99 | added p50 / p99 |
|---|---|---|---|---|---|---|
${row(m.sequential)}
${row(m.concurrent)}

\`reserveCall\` and \`settleCall\` are timed inside their transactions; "added" is the difference of
the with and without percentiles (not a percentile of differences), so it includes the longer commits.
`;
}

async function main() {
  if (process.argv.includes("--turns")) {
    const { turns, metering } = await turnSeries();
    console.log(turnsSection(turns));
    console.log(meteringSection(metering));
    return;
  }
  // As on a fresh clone: no build yet, no data dir. npm start builds, creates the cluster, migrates.
  console.log("first start (builds the app)…");
  fs.rmSync(path.join(root, ".next"), { recursive: true, force: true });
  const firstDir = makeTempDir("pantheon-bench-start");
  let first: number;
  try {
    first = await timeStartToHealthy(firstDir);
  } finally {
    fs.rmSync(firstDir, { recursive: true, force: true });
  }

  console.log("cold start (new data dir)…");
  const coldDir = makeTempDir("pantheon-bench-start");
  const cold: number[] = [];
  const warm: number[] = [];
  try {
    cold.push(await timeStartToHealthy(coldDir));
    for (let i = 0; i < 3; i++) warm.push(await timeStartToHealthy(coldDir));
  } finally {
    fs.rmSync(coldDir, { recursive: true, force: true });
  }
  for (let i = 0; i < 2; i++) {
    const dir = makeTempDir("pantheon-bench-start");
    try {
      cold.push(await timeStartToHealthy(dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  console.log("ping with LISTEN/NOTIFY…");
  const notify = await pingSeries(true, 200);
  console.log("ping with polling only…");
  const polling = await pingSeries(false, 30);
  console.log("turns…");
  const { turns, metering } = await turnSeries();

  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const machine = `${os.type()} ${os.release()}, ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
  const date = new Date().toISOString().slice(0, 10);
  const coldS = summary(cold);
  const warmS = summary(warm);
  const md = `# Benchmarks

Written by \`npm run bench\` (scripts/bench/run.ts); all numbers below come from one run.

- **Date:** ${date}
- **Machine:** ${machine}

## \`npm start\` to healthy

Time from launching \`scripts/start.ts\` (what \`npm start\` runs) until \`GET /api/health\` answers
200 with \`db.ok\` and \`worker.ok\`. Goal: under 90 s on a fresh clone (after \`npm install\`).

| case | runs | p50 | max |
|---|---|---|---|
| first start as on a fresh clone (\`next build\`, initdb, migrations, web, worker) | 1 | ${ms(first)} | ${ms(first)} |
| new data dir (initdb, migrations, web, worker) | ${coldS.n} | ${ms(coldS.p50)} | ${ms(coldS.max)} |
| restart with existing data | ${warmS.n} | ${ms(warmS.p50)} | ${ms(warmS.max)} |

## \`system.ping\` round trip

Web side sends a job, the worker handles it and answers with \`pg_notify\`; timed from before the
send to the reply. Sequential pings after 5 warm-up pings. Goal: p50 under 50 ms with notify.

| worker wake-up | pings | p50 | p95 | max |
|---|---|---|---|---|
| LISTEN/NOTIFY (\`PGBOSS_LISTEN_NOTIFY=true\`, default) | ${notify.n} | ${ms(notify.p50)} | ${ms(notify.p95)} | ${ms(notify.max)} |
| polling alone, every 2 s (\`PGBOSS_LISTEN_NOTIFY=false\`) | ${polling.n} | ${ms(polling.p50)} | ${ms(polling.p95)} | ${ms(polling.max)} |

${turnsSection(turns)}
${meteringSection(metering)}`;
  fs.mkdirSync(path.join(root, "docs"), { recursive: true });
  fs.writeFileSync(path.join(root, "docs", "benchmarks.md"), md);
  console.log(md);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
