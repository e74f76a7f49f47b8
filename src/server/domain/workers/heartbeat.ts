import os from "node:os";
import { randomUUID } from "node:crypto";
import type { Db } from "../../db.ts";

export interface WorkerIdentity {
  id: string;
  hostname: string;
  pid: number;
  startedAt: Date;
}

export function newWorkerIdentity(): WorkerIdentity {
  return { id: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, hostname: os.hostname(), pid: process.pid, startedAt: new Date() };
}

/** Stamped with the database's clock (health measures the age with the same clock).
 * `secondsAgo` backdates the beat, for tests. */
export async function recordHeartbeat(db: Db, worker: WorkerIdentity, secondsAgo = 0): Promise<void> {
  await db.$executeRaw`
    INSERT INTO worker_heartbeats (id, hostname, pid, started_at, last_beat_at)
    VALUES (${worker.id}, ${worker.hostname}, ${worker.pid}, ${worker.startedAt}, now() - make_interval(secs => ${secondsAgo}))
    ON CONFLICT (id) DO UPDATE SET last_beat_at = EXCLUDED.last_beat_at`;
}

export async function removeHeartbeat(db: Db, worker: WorkerIdentity): Promise<void> {
  await db.workerHeartbeat.deleteMany({ where: { id: worker.id } });
}

/** Rows of workers that died without saying goodbye; kept an hour for operators to look at. */
export async function pruneStaleHeartbeats(db: Db, olderThanSeconds = 3600): Promise<number> {
  return db.$executeRaw`DELETE FROM worker_heartbeats WHERE last_beat_at < now() - make_interval(secs => ${olderThanSeconds})`;
}
