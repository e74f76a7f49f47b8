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

export async function recordHeartbeat(db: Db, worker: WorkerIdentity, at = new Date()): Promise<void> {
  await db.workerHeartbeat.upsert({
    where: { id: worker.id },
    create: { ...worker, lastBeatAt: at },
    update: { lastBeatAt: at },
  });
}

export async function removeHeartbeat(db: Db, worker: WorkerIdentity): Promise<void> {
  await db.workerHeartbeat.deleteMany({ where: { id: worker.id } });
}

/** Rows of workers that died without saying goodbye; kept an hour for operators to look at. */
export async function pruneStaleHeartbeats(db: Db, olderThanMs = 3600_000): Promise<number> {
  const { count } = await db.workerHeartbeat.deleteMany({ where: { lastBeatAt: { lt: new Date(Date.now() - olderThanMs) } } });
  return count;
}
