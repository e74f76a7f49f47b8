/**
 * An upload (PRODUCT.md 8), shared by the HTTP routes and the tests: the bytes are streamed to a
 * temporary file while counted and hashed (refused past `files.max_bytes`), their type is detected
 * from the content, the object is stored under the new file's id, and then one transaction locks the
 * room (or direct session), checks its quota (`files.room_max_bytes`), inserts the row, emits
 * `file_status: uploaded` and enqueues `file.parse`.
 *
 * The object is stored before the row commits, so the parse job never looks for an object that is
 * not there yet; a refusal or a failed transaction removes it again. Every refusal leaves no row and
 * no stored object.
 */
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fromPrisma, type PgBoss } from "pg-boss";
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";
import { detectFileType, type DetectedType } from "../../files/detect-type.ts";
import type { FileStorage } from "../../files/storage.ts";
import { queues } from "../../jobs/queues.ts";
import { logger } from "../../logger.ts";
import { getSettings } from "../settings/settings.ts";
import { text } from "../text.ts";
import { emitFileStatus } from "./file-events.ts";
import { lockFileOwner, resolveFileOwner, usedBytes, type FileOwner, type FileTarget } from "./file-owner.ts";
import { toFileView, type FileView } from "./file-view.ts";

export interface UploadDeps {
  db: Db;
  boss: PgBoss;
  storage: FileStorage;
}

export interface UploadInput {
  target: FileTarget;
  /** The name the user gave the file: shown, never used to store or to detect the type. */
  name: string;
  body: AsyncIterable<Uint8Array>;
  /** The Content-Length, when the client sent one: a file announced as too large is refused unread. */
  declaredSize?: number | null;
}

export const fileName = text()
  .trim()
  .min(1, "Give the file a name (?name=…)")
  .max(255, "A file name is at most 255 characters")
  // Names are shown in lists and timelines: line breaks and other control characters have no place there.
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "A file name cannot contain control characters");

const log = logger.child({ component: "files" });

export async function uploadFile(deps: UploadDeps, userId: string, input: UploadInput): Promise<FileView> {
  const name = fileName.safeParse(input.name);
  if (!name.success) throw new AppError("invalid_input", name.error.issues[0]!.message, { field: "name" });
  const owner = await resolveFileOwner(deps.db, userId, input.target);
  const settings = await getSettings(deps.db);
  const maxBytes = settings["files.max_bytes"];
  if (input.declaredSize != null && input.declaredSize > maxBytes) throw tooLarge(maxBytes);

  const received = await receiveToTempFile(input.body, maxBytes);
  try {
    const type = await detectFileType(received.path);
    const roomMaxBytes = settings["files.room_max_bytes"];
    // A first look without the lock, so a full room refuses before anything is stored.
    checkQuota(await usedBytes(deps.db, owner), received.size, roomMaxBytes);
    const id = randomUUID();
    await deps.storage.put(id, received.path, received.size);
    try {
      const file = await deps.db.$transaction(async (tx) => {
        await lockFileOwner(tx, userId, owner);
        checkQuota(await usedBytes(tx, owner), received.size, roomMaxBytes);
        const created = await tx.file.create({ data: fileRow(id, userId, owner, name.data, type, received) });
        await emitFileStatus(tx, owner, { fileId: id, status: "uploaded" });
        await deps.boss.send(queues.fileParse.name, queues.fileParse.schema.parse({ fileId: id }), { db: fromPrisma(tx) });
        return created;
      });
      return toFileView(file);
    } catch (error) {
      await deps.storage.delete(id).catch((err: unknown) => log.warn({ err, fileId: id }, "could not remove the object of a refused upload"));
      throw error;
    }
  } finally {
    await fs.promises.rm(received.path, { force: true });
  }
}

function fileRow(id: string, userId: string, owner: FileOwner, name: string, type: DetectedType, received: Received) {
  return { id, userId, roomId: owner.roomId, sessionId: owner.sessionId, name, kind: type.kind, mimeType: type.mimeType, sizeBytes: received.size, sha256: received.sha256 };
}

const tooLarge = (maxBytes: number) =>
  new AppError("file_too_large", `Files can be at most ${formatBytes(maxBytes)}.`, { maxBytes });

function checkQuota(used: number, size: number, roomMaxBytes: number) {
  if (used + size > roomMaxBytes) {
    throw new AppError("room_storage_full", `This would take the files here past ${formatBytes(roomMaxBytes)} (${formatBytes(used)} used). Delete some first.`, {
      usedBytes: used,
      sizeBytes: size,
      roomMaxBytes,
    });
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

interface Received {
  path: string;
  size: number;
  sha256: string;
}

/** The body in a temporary file, counted and hashed on the way; past `maxBytes` it stops reading and throws. */
async function receiveToTempFile(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Received> {
  const target = path.join(os.tmpdir(), `pantheon-upload-${randomUUID()}`);
  const hash = createHash("sha256");
  let size = 0;
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Uint8Array>) {
        for await (const chunk of source) {
          size += chunk.byteLength;
          if (size > maxBytes) throw tooLarge(maxBytes);
          hash.update(chunk);
          yield chunk;
        }
      },
      fs.createWriteStream(target, { mode: 0o600 }),
    );
  } catch (error) {
    await fs.promises.rm(target, { force: true });
    throw error;
  }
  return { path: target, size, sha256: hash.digest("hex") };
}
