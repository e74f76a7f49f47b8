/**
 * Stored objects that no live file owns, removed: a file deleted while the store was unreachable,
 * the files of rooms and sessions purged from the database (their rows go with them), an upload
 * whose process died between storing the object and committing its row. Only objects named like a
 * file id and older than `graceMs` are considered: an upload stores its object before its row
 * commits, so a young object may be one whose row is on its way.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { FileStorage, StoredObject } from "../../files/storage.ts";

export interface SweepOptions {
  graceMs?: number;
  now?: Date;
}

const BATCH = 500;
const fileId = z.uuid();

export async function sweepOrphanObjects(deps: { db: Db; storage: FileStorage }, options: SweepOptions = {}): Promise<{ checked: number; removed: number }> {
  const before = (options.now ?? new Date()).getTime() - (options.graceMs ?? 3_600_000);
  let checked = 0;
  let removed = 0;
  let batch: StoredObject[] = [];
  const flush = async () => {
    const ids = batch.map((o) => o.key);
    const live = new Set((await deps.db.file.findMany({ where: { id: { in: ids }, deletedAt: null }, select: { id: true } })).map((f) => f.id));
    for (const object of batch) {
      if (live.has(object.key)) continue;
      await deps.storage.delete(object.key);
      removed++;
    }
    batch = [];
  };
  for await (const object of deps.storage.list()) {
    if (!fileId.safeParse(object.key).success || object.modifiedAt.getTime() > before) continue;
    checked++;
    batch.push(object);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length) await flush();
  return { checked, removed };
}
