/** `files.list` and `files.delete` (PRODUCT.md 8, 10): a room's or direct session's files, owned. */
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";
import type { FileStorage } from "../../files/storage.ts";
import { logger } from "../../logger.ts";
import { getSettings } from "../settings/settings.ts";
import { resolveFileOwner, usedBytes, type FileTarget } from "./file-owner.ts";
import { toFileView, type FileView } from "./file-view.ts";

export { fileTarget as listFilesInput } from "./file-owner.ts";

export interface FileList {
  /** Newest first. */
  items: FileView[];
  /** Bytes the room's (or direct session's) live files take. */
  usedBytes: number;
  /** The most one file may be (`files.max_bytes`). */
  maxBytes: number;
  /** The most a room's (or direct session's) files may take together (`files.room_max_bytes`). */
  roomMaxBytes: number;
}

export async function listFiles(db: Db, userId: string, target: FileTarget): Promise<FileList> {
  const owner = await resolveFileOwner(db, userId, target);
  const [files, used, settings] = await Promise.all([
    db.file.findMany({
      where: { deletedAt: null, ...(owner.roomId ? { roomId: owner.roomId } : { sessionId: owner.sessionId }) },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    }),
    usedBytes(db, owner),
    getSettings(db),
  ]);
  return { items: files.map(toFileView), usedBytes: used, maxBytes: settings["files.max_bytes"], roomMaxBytes: settings["files.room_max_bytes"] };
}

/**
 * Soft delete: the row keeps its facts (`deleted_at`), its chunks go (so it is no longer searchable)
 * in the same transaction, then its stored object is removed.
 */
export async function deleteFile(deps: { db: Db; storage: FileStorage }, userId: string, id: string): Promise<{ id: string }> {
  await deps.db.$transaction(async (tx) => {
    const { count } = await tx.file.updateMany({ where: { id, userId, deletedAt: null }, data: { deletedAt: new Date() } });
    if (count === 0) throw new AppError("not_found", "No such file.");
    await tx.fileChunk.deleteMany({ where: { fileId: id } });
  });
  // After the commit: a failed removal leaves an orphan object (logged), never a listed file without bytes.
  await deps.storage.delete(id).catch((err: unknown) => logger.warn({ component: "files", err, fileId: id }, "could not remove a deleted file's stored object"));
  return { id };
}
