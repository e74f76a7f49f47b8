/**
 * The `file.parse` job (PRODUCT.md 8): `uploaded → parsing → ready | failed`, each change with its
 * `file_status` event in the same transaction. The stored object is copied to a temporary file, its
 * text extracted in a child process with time and memory limits (files/extract-text.ts), chunked,
 * and the file's chunks replaced in one transaction with its counts.
 *
 * What is worth retrying (the store unreachable, the worker stopping) is thrown for pg-boss to
 * retry; what is the file's fault (damaged, too slow, too big to parse) fails the file at once.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Db } from "../../db.ts";
import { chunkSections, joinSections, type Chunk } from "../../files/chunk-text.ts";
import { extractText, ExtractionFailed, type ExtractLimits } from "../../files/extract-text.ts";
import type { FileKind } from "../../files/file-kinds.ts";
import { StoredObjectMissing, type FileStorage } from "../../files/storage.ts";
import { emitFileStatus } from "./file-events.ts";
import { ownerOf } from "./file-owner.ts";

export interface ParseDeps {
  db: Db;
  storage: FileStorage;
  /** Default: FILE_PARSE_TIMEOUT_SECONDS and FILE_PARSE_MEMORY_MB. */
  limits?: ExtractLimits;
  signal?: AbortSignal;
}

export interface ParseOptions {
  /** No retry follows: a transient failure fails the file instead of being thrown. */
  lastAttempt: boolean;
}

export type ParseOutcome = { status: "ready"; chunkCount: number } | { status: "failed"; error: string } | { status: "skipped"; reason: string };

const CHUNK_INSERT_BATCH = 2000;

export async function parseFile(deps: ParseDeps, fileId: string, options: ParseOptions): Promise<ParseOutcome> {
  const claimed = await claim(deps.db, fileId);
  if (!claimed.ok) return { status: "skipped", reason: claimed.reason };
  const file = claimed.file;

  let local: string | null = null;
  try {
    local = await download(deps.storage, fileId);
    const text = await extractText(local, file.kind as FileKind, deps.limits, deps.signal);
    const chunks = chunkSections(text.sections);
    const textChars = joinSections(text.sections).length;
    const saved = await saveChunks(deps.db, fileId, chunks, { pages: text.pages, textChars });
    return saved ? { status: "ready", chunkCount: chunks.length } : { status: "skipped", reason: "deleted while parsing" };
  } catch (error) {
    if (error instanceof ExtractionFailed) return failFileParse(deps.db, fileId, error.message);
    if (error instanceof StoredObjectMissing && !(await isLive(deps.db, fileId))) return { status: "skipped", reason: "deleted while parsing" };
    if (deps.signal?.aborted || !options.lastAttempt) throw error;
    const reason = error instanceof StoredObjectMissing ? "The stored file is missing." : `The stored file could not be read (${error instanceof Error ? error.message : String(error)}).`;
    return failFileParse(deps.db, fileId, reason);
  } finally {
    if (local) await fs.promises.rm(local, { force: true });
  }
}

type Claim = { ok: true; file: { id: string; kind: string } } | { ok: false; reason: string };

/** uploaded → parsing (with its event); a file already `parsing` is a retry and goes on. */
async function claim(db: Db, fileId: string): Promise<Claim> {
  return db.$transaction(async (tx) => {
    const [file] = await tx.$queryRaw<{ id: string; kind: string; status: string; room_id: string | null; session_id: string | null }[]>`
      SELECT id, kind, status::text AS status, room_id, session_id FROM files WHERE id = ${fileId}::uuid AND deleted_at IS NULL FOR NO KEY UPDATE`;
    if (!file) return { ok: false, reason: "no such file, or deleted" };
    if (file.status === "ready" || file.status === "failed") return { ok: false, reason: `already ${file.status}` };
    if (file.status === "uploaded") {
      await tx.file.update({ where: { id: fileId }, data: { status: "parsing" } });
      await emitFileStatus(tx, ownerOf({ roomId: file.room_id, sessionId: file.session_id }), { fileId, status: "parsing" });
    }
    return { ok: true, file: { id: file.id, kind: file.kind } };
  });
}

async function download(storage: FileStorage, fileId: string): Promise<string> {
  const target = path.join(os.tmpdir(), `pantheon-parse-${randomUUID()}`);
  try {
    await pipeline(await storage.get(fileId), fs.createWriteStream(target, { mode: 0o600 }));
    return target;
  } catch (error) {
    await fs.promises.rm(target, { force: true });
    throw error;
  }
}

async function isLive(db: Db, fileId: string): Promise<boolean> {
  return (await db.file.count({ where: { id: fileId, deletedAt: null } })) > 0;
}

/** The file's chunks replaced and the file `ready`, in one transaction; false when it was deleted meanwhile. */
async function saveChunks(db: Db, fileId: string, chunks: Chunk[], counts: { pages: number | null; textChars: number }): Promise<boolean> {
  return db.$transaction(
    async (tx) => {
      const [file] = await tx.$queryRaw<{ room_id: string | null; session_id: string | null }[]>`
        SELECT room_id, session_id FROM files WHERE id = ${fileId}::uuid AND deleted_at IS NULL AND status = 'parsing' FOR NO KEY UPDATE`;
      if (!file) return false;
      await tx.fileChunk.deleteMany({ where: { fileId } });
      for (let i = 0; i < chunks.length; i += CHUNK_INSERT_BATCH) {
        await tx.fileChunk.createMany({ data: chunks.slice(i, i + CHUNK_INSERT_BATCH).map((c) => ({ fileId, ...c })) });
      }
      await tx.file.update({
        where: { id: fileId },
        data: { status: "ready", error: null, pages: counts.pages, textChars: counts.textChars, chunkCount: chunks.length, parsedAt: new Date() },
      });
      await emitFileStatus(tx, ownerOf({ roomId: file.room_id, sessionId: file.session_id }), { fileId, status: "ready" });
      return true;
    },
    { timeout: 60_000 },
  );
}

/** uploaded | parsing → failed, with the reason and its event; a file already ready, failed or deleted is left as it is. */
export async function failFileParse(db: Db, fileId: string, reason: string): Promise<ParseOutcome> {
  return db.$transaction(async (tx) => {
    const [file] = await tx.$queryRaw<{ room_id: string | null; session_id: string | null }[]>`
      UPDATE files SET status = 'failed', error = ${reason}, updated_at = now()
      WHERE id = ${fileId}::uuid AND deleted_at IS NULL AND status IN ('uploaded', 'parsing')
      RETURNING room_id, session_id`;
    if (!file) return { status: "skipped", reason: "no such file, or no longer parsing" } satisfies ParseOutcome;
    await emitFileStatus(tx, ownerOf({ roomId: file.room_id, sessionId: file.session_id }), { fileId, status: "failed", error: reason });
    return { status: "failed", error: reason } satisfies ParseOutcome;
  });
}
