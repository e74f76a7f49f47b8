/**
 * Files end to end below HTTP (PRODUCT.md 8): uploads through the domain function with a real
 * pg-boss sender, parsed by the real worker process (its extraction child and all) into chunks that
 * PostgreSQL full-text search finds; every refusal with its own code and nothing left behind;
 * ownership; files.list and files.delete through the tRPC API; retries when the store is down; the
 * sweep of objects no file owns.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PgBoss } from "pg-boss";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { createAgent } from "@/server/domain/agents/agents.ts";
import { createRoom, deleteRoom } from "@/server/domain/rooms/rooms.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { setSetting } from "@/server/domain/settings/settings.ts";
import { isAppError } from "@/server/errors.ts";
import { queues } from "@/server/jobs/queues.ts";
import { localStorage, s3Storage, setStorage } from "@/server/files/storage.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { startFakeS3, type FakeS3 } from "@/test/fake-s3.ts";
import { csvText, docxBomb, docxWith, elfBinary, exeBinary, longText, markdownText, pdfWithPages, plainZip, png, truncated } from "@/test/file-fixtures.ts";
import { makeTempDir } from "@/test/temp-dir.ts";
import { clientError, trpcClient } from "@/test/trpc-http.ts";
import { startSenderBoss } from "@/test/turns.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";
import type { FileTarget } from "./file-owner.ts";
import { parseFile } from "./parse-file.ts";
import { sweepOrphanObjects } from "./sweep-files.ts";
import { uploadFile } from "./upload-file.ts";

const t = databaseForThisFile();
const dataDir = makeTempDir("files-data");
const storageDir = path.join(dataDir, "files");
const storage = localStorage(storageDir);
let boss: PgBoss;
let worker: WorkerProcess;

beforeAll(async () => {
  // files.delete (through tRPC, in this process) removes objects from the same store.
  setStorage(storage);
  boss = await startSenderBoss(t.url);
  worker = await startWorker(t.url, t.db, { PANTHEON_DATA_DIR: dataDir, LOG_LEVEL: "warn", FILE_PARSE_TIMEOUT_SECONDS: "30" });
}, 60_000);

afterAll(async () => {
  worker?.child.kill("SIGTERM");
  await worker?.exited;
  await boss?.stop({ graceful: false });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function* inPieces(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

function upload(userId: string, target: FileTarget, name: string, bytes: Buffer | string, declaredSize?: number) {
  const body = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  return uploadFile({ db: t.db, boss, storage }, userId, { target, name, body: inPieces(body), declaredSize });
}

async function refusal(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

async function world() {
  const user = await ensureUserByEmail(t.db, `files-${randomUUID()}@example.com`);
  const room = await createRoom(t.db, user.id, { name: "Research", goal: "", mode: "manual" });
  const sessions = [await createSession(t.db, user.id, { roomId: room.id }), await createSession(t.db, user.id, { roomId: room.id })];
  const { token } = await createApiToken(t.db, user.id, { name: "test" });
  return { user, room, sessions, api: trpcClient(t.db, token) };
}

const settled = (fileId: string) =>
  waitFor(`file ${fileId} parsed`, async () => {
    const file = await t.db.file.findUniqueOrThrow({ where: { id: fileId } });
    return (file.status === "ready" || file.status === "failed") && file;
  }, 40_000);

async function search(words: string): Promise<{ file_id: string; position: number; page: number | null }[]> {
  return t.db.$queryRaw`SELECT file_id, position, page FROM file_chunks WHERE tsv @@ plainto_tsquery('english', ${words}) ORDER BY file_id, position`;
}

const storedObjects = () => (fs.existsSync(storageDir) ? fs.readdirSync(storageDir).sort() : []);
const uploadTemps = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("pantheon-upload-"));
const parseJobs = async (fileId?: string) =>
  t.db.$queryRawUnsafe<{ state: string; retry_count: number }[]>(
    `SELECT state::text, retry_count FROM pgboss.job WHERE name = 'file.parse'${fileId ? " AND data->>'fileId' = $1" : ""}`,
    ...(fileId ? [fileId] : []),
  );

describe("uploads that parse", () => {
  it("each kind is detected from its content and parses to ready, with chunks full-text search finds", async () => {
    const w = await world();
    const target = { roomId: w.room.id };
    const pdfBytes = await pdfWithPages(["Alpha page about lighthouses", "Beta page about glaciers", "Gamma page about volcanoes"]);
    const uploads = {
      pdf: await upload(w.user.id, target, "notes.txt", pdfBytes),
      docx: await upload(w.user.id, target, "memo.pdf", docxWith(["Quarterly memo.", "The tariffs rose again."])),
      csv: await upload(w.user.id, target, "cities.md", csvText),
      md: await upload(w.user.id, target, "plan.txt", markdownText),
      txt: await upload(w.user.id, target, "minutes.csv", longText(20_000, "zeppelin")),
    };
    for (const [kind, view] of Object.entries(uploads)) expect(view).toMatchObject({ kind, status: "uploaded", error: null, chunkCount: 0 });
    expect(uploads.pdf).toMatchObject({ name: "notes.txt", mimeType: "application/pdf", sizeBytes: pdfBytes.length });
    expect(Object.keys(uploads.pdf).sort()).toEqual(["chunkCount", "createdAt", "error", "id", "kind", "mimeType", "name", "pages", "sizeBytes", "status"]);
    const row = await t.db.file.findUniqueOrThrow({ where: { id: uploads.pdf.id } });
    expect(row).toMatchObject({ userId: w.user.id, roomId: w.room.id, sessionId: null, sha256: createHash("sha256").update(pdfBytes).digest("hex") });
    // Stored under its id, and only that.
    expect(fs.readFileSync(path.join(storageDir, uploads.pdf.id))).toEqual(pdfBytes);

    const files = Object.fromEntries(await Promise.all(Object.entries(uploads).map(async ([kind, v]) => [kind, await settled(v.id)] as const)));
    for (const file of Object.values(files)) expect(file).toMatchObject({ status: "ready", error: null, parsedAt: expect.any(Date) });
    expect(files.pdf).toMatchObject({ pages: 3, chunkCount: 3 });
    expect(files.txt!.chunkCount).toBeGreaterThanOrEqual(10);
    expect(files.txt!.textChars).toBeGreaterThan(20_000);
    expect(await t.db.fileChunk.count({ where: { fileId: files.txt!.id } })).toBe(files.txt!.chunkCount);

    expect(await search("glaciers")).toEqual([{ file_id: files.pdf!.id, position: 1, page: 2 }]);
    expect((await search("tariffs")).map((h) => h.file_id)).toEqual([files.docx!.id]);
    expect((await search("Reykjavik Iceland")).map((h) => h.file_id)).toEqual([files.csv!.id]);
    expect((await search("pharmacies")).map((h) => h.file_id)).toEqual([files.md!.id]);
    const zeppelin = await search("zeppelin");
    expect(zeppelin).toEqual([{ file_id: files.txt!.id, position: files.txt!.chunkCount - 1, page: null }]);

    // Every status change reached every session of the room, in order.
    for (const session of w.sessions) {
      const events = await t.db.turnEvent.findMany({ where: { sessionId: session.id, type: "file_status" }, orderBy: { id: "asc" } });
      const forPdf = events.map((e) => e.payload as { fileId: string; status: string }).filter((p) => p.fileId === files.pdf!.id);
      expect(forPdf.map((p) => p.status)).toEqual(["uploaded", "parsing", "ready"]);
      expect(events.every((e) => e.turnId === null)).toBe(true);
    }
  });

  it("a truncated PDF ends failed with its reason, once, and the worker goes on with the next file", async () => {
    const w = await world();
    const broken = await upload(w.user.id, { roomId: w.room.id }, "report.pdf", truncated(await pdfWithPages(["One", "Two", "Three"]), 0.4));
    expect(broken.kind).toBe("pdf");
    const failed = await settled(broken.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/damaged or incomplete/);
    expect(failed.chunkCount).toBe(0);
    await waitFor("the parse job completed", async () => (await parseJobs(broken.id))[0]?.state === "completed");
    expect(await parseJobs(broken.id)).toEqual([{ state: "completed", retry_count: 0 }]);
    const events = await t.db.turnEvent.findMany({ where: { sessionId: w.sessions[0]!.id, type: "file_status" }, orderBy: { id: "asc" } });
    expect(events.at(-1)!.payload).toEqual({ type: "file_status", fileId: broken.id, status: "failed", error: failed.error });

    const next = await upload(w.user.id, { roomId: w.room.id }, "after.txt", "Still working after a bad file.");
    expect((await settled(next.id)).status).toBe("ready");
  });

  it("a parse job that ends without ending its file (its last try thrown, or expired) goes to the dead-letter queue, which fails the file", async () => {
    const w = await world();
    // A row whose object was never stored: each try throws "missing" for a retry; with no retry
    // left (retryLimit 0 on this job), pg-boss fails the job and dead-letters it.
    const file = await t.db.file.create({
      data: { userId: w.user.id, roomId: w.room.id, name: "lost.txt", kind: "txt", mimeType: "text/plain", sizeBytes: 4, sha256: "-" },
    });
    expect((await boss.getQueue(queues.fileParse.name))?.deadLetter).toBe(queues.fileParseDeadLetter.name);
    await boss.send(queues.fileParse.name, { fileId: file.id }, { retryLimit: 0 });
    const failed = await settled(file.id);
    expect(failed).toMatchObject({ status: "failed", error: expect.stringMatching(/stopped before finishing/) });
  });
});

describe("refusals", () => {
  it("each has its own code, and leaves no row, no stored object, no job and no temporary file", async () => {
    const w = await world();
    const target = { roomId: w.room.id };
    const before = { objects: storedObjects(), jobs: (await parseJobs()).length, temps: uploadTemps().length };
    const cases: [string, () => Promise<unknown>, string][] = [
      ["ELF renamed .pdf", () => upload(w.user.id, target, "report.pdf", elfBinary()), "file_type_not_allowed"],
      ["EXE renamed .pdf", () => upload(w.user.id, target, "report.pdf", exeBinary()), "file_type_not_allowed"],
      ["PNG", () => upload(w.user.id, target, "photo.png", png()), "file_type_not_allowed"],
      ["a zip that is not a DOCX", () => upload(w.user.id, target, "archive.docx", plainZip()), "file_type_not_allowed"],
      ["DOCX bomb", () => upload(w.user.id, target, "bomb.docx", docxBomb()), "file_unpacks_too_large"],
      ["over 10 MiB, streamed", () => upload(w.user.id, target, "big.txt", Buffer.alloc(10 * 1024 * 1024 + 1, "a")), "file_too_large"],
      ["no name", () => upload(w.user.id, target, "  ", "text"), "invalid_input"],
      ["a name with a line break", () => upload(w.user.id, target, "a\nb.txt", "text"), "invalid_input"],
    ];
    for (const [what, call, code] of cases) expect((await refusal(call())).code, what).toBe(code);

    // Announced as too large: refused before a byte is read.
    const unread = uploadFile({ db: t.db, boss, storage }, w.user.id, {
      target,
      name: "huge.pdf",
      declaredSize: 50 * 1024 * 1024,
      body: (async function* () {
        yield* [];
        throw new Error("the body was read");
      })(),
    });
    const tooLarge = await refusal(unread);
    expect(tooLarge.code).toBe("file_too_large");
    expect(tooLarge.details).toEqual({ maxBytes: 10 * 1024 * 1024 });

    expect(await t.db.file.count({ where: { roomId: w.room.id } })).toBe(0);
    expect(storedObjects()).toEqual(before.objects);
    expect((await parseJobs()).length).toBe(before.jobs);
    expect(uploadTemps().length).toBe(before.temps);
  });

  it("room_storage_full past files.room_max_bytes, counting only live files", async () => {
    const w = await world();
    const target = { roomId: w.room.id };
    await setSetting(t.db, "files.room_max_bytes", 2048);
    try {
      const first = await upload(w.user.id, target, "a.txt", "a".repeat(1500));
      const objects = storedObjects();
      const full = await refusal(upload(w.user.id, target, "b.txt", "b".repeat(1000)));
      expect(full.code).toBe("room_storage_full");
      expect(full.details).toEqual({ usedBytes: 1500, sizeBytes: 1000, roomMaxBytes: 2048 });
      expect(await t.db.file.count({ where: { roomId: w.room.id } })).toBe(1);
      expect(storedObjects()).toEqual(objects);

      // Two uploads at once that each fit alone: the room lock lets one in.
      await w.api.files.delete.mutate({ id: first.id });
      const both = await Promise.allSettled([upload(w.user.id, target, "c.txt", "c".repeat(1200)), upload(w.user.id, target, "d.txt", "d".repeat(1200))]);
      expect(both.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(both.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "room_storage_full" } });
      expect(await t.db.file.count({ where: { roomId: w.room.id, deletedAt: null } })).toBe(1);
    } finally {
      await setSetting(t.db, "files.room_max_bytes", 100 * 1024 * 1024);
    }
  });
});

describe("ownership, list and delete", () => {
  it("another user's room, session or file is NOT_FOUND; so is a deleted room", async () => {
    const owner = await world();
    const other = await world();
    const file = await upload(owner.user.id, { roomId: owner.room.id }, "mine.txt", "private notes");
    expect((await refusal(upload(other.user.id, { roomId: owner.room.id }, "x.txt", "x"))).code).toBe("not_found");
    expect((await refusal(upload(other.user.id, { sessionId: owner.sessions[0]!.id }, "x.txt", "x"))).code).toBe("not_found");
    expect((await refusal(upload(other.user.id, { roomId: "not-a-uuid" }, "x.txt", "x"))).code).toBe("not_found");
    expect((await clientError(other.api.files.list.query({ roomId: owner.room.id }))).data?.code).toBe("NOT_FOUND");
    expect((await clientError(other.api.files.list.query({ sessionId: owner.sessions[0]!.id }))).data?.code).toBe("NOT_FOUND");
    const deleteOthers = await clientError(other.api.files.delete.mutate({ id: file.id }));
    expect(deleteOthers.data).toMatchObject({ code: "NOT_FOUND", appCode: "not_found", httpStatus: 404 });
    expect(await t.db.file.count({ where: { id: file.id, deletedAt: null } })).toBe(1);

    await deleteRoom(t.db, owner.user.id, owner.room.id);
    expect((await refusal(upload(owner.user.id, { roomId: owner.room.id }, "late.txt", "x"))).code).toBe("not_found");
    expect((await refusal(upload(owner.user.id, { sessionId: owner.sessions[0]!.id }, "late.txt", "x"))).code).toBe("not_found");
  });

  it("a direct session has its own files; a room session's files are its room's", async () => {
    const w = await world();
    const agent = await createAgent(t.db, w.user.id, { key: "reader", name: "Reader", modelAlias: "local", rolePrompt: "", toolPermissions: [] });
    const direct = await createSession(t.db, w.user.id, { agentId: agent.id });
    const own = await upload(w.user.id, { sessionId: direct.id }, "direct.md", markdownText);
    expect(await t.db.file.findUniqueOrThrow({ where: { id: own.id } })).toMatchObject({ sessionId: direct.id, roomId: null });
    const viaRoomSession = await upload(w.user.id, { sessionId: w.sessions[0]!.id }, "shared.txt", "for the whole room");
    expect(await t.db.file.findUniqueOrThrow({ where: { id: viaRoomSession.id } })).toMatchObject({ roomId: w.room.id, sessionId: null });

    expect((await w.api.files.list.query({ sessionId: direct.id })).items.map((f) => f.id)).toEqual([own.id]);
    expect((await w.api.files.list.query({ sessionId: w.sessions[1]!.id })).items.map((f) => f.id)).toEqual([viaRoomSession.id]);
    await settled(own.id);
    const events = await t.db.turnEvent.findMany({ where: { sessionId: direct.id, type: "file_status" }, orderBy: { id: "asc" } });
    expect(events.map((e) => (e.payload as { status: string }).status)).toEqual(["uploaded", "parsing", "ready"]);
  });

  it("files.list gives the live files newest first with the room's usage and limits; files.delete removes a file from the list, search and storage", async () => {
    const w = await world();
    const first = await upload(w.user.id, { roomId: w.room.id }, "first.txt", "The aardvark report, first edition.");
    const second = await upload(w.user.id, { roomId: w.room.id }, "second.txt", "The aardvark report, second edition!");
    await Promise.all([settled(first.id), settled(second.id)]);

    const list = await w.api.files.list.query({ roomId: w.room.id });
    expect(list.items.map((f) => f.id)).toEqual([second.id, first.id]);
    expect(list.items[0]).toMatchObject({ name: "second.txt", kind: "txt", mimeType: "text/plain", status: "ready", chunkCount: 1, pages: null, error: null });
    expect(list.items[0]!.createdAt).toBeInstanceOf(Date);
    expect(list).toMatchObject({ usedBytes: first.sizeBytes + second.sizeBytes, maxBytes: 10 * 1024 * 1024, roomMaxBytes: 100 * 1024 * 1024 });
    expect((await search("aardvark")).length).toBe(2);

    expect(await w.api.files.delete.mutate({ id: first.id })).toEqual({ id: first.id });
    const after = await w.api.files.list.query({ roomId: w.room.id });
    expect(after.items.map((f) => f.id)).toEqual([second.id]);
    expect(after.usedBytes).toBe(second.sizeBytes);
    expect((await search("aardvark")).map((h) => h.file_id)).toEqual([second.id]);
    expect(await t.db.fileChunk.count({ where: { fileId: first.id } })).toBe(0);
    expect(storedObjects()).not.toContain(first.id);
    expect(await t.db.file.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ deletedAt: expect.any(Date) });
    expect((await clientError(w.api.files.delete.mutate({ id: first.id }))).data?.code).toBe("NOT_FOUND");
    expect((await clientError(w.api.files.delete.mutate({ id: "nope" }))).data?.code).toBe("BAD_REQUEST");
  });
});

it("the sweep removes stored objects that no live file owns, once they are past the grace period", async () => {
  const w = await world();
  const live = await upload(w.user.id, { roomId: w.room.id }, "keep.txt", "Kept.");
  const deleted = await upload(w.user.id, { roomId: w.room.id }, "gone.txt", "Gone.");
  await w.api.files.delete.mutate({ id: deleted.id });
  // As if removing its object had failed at delete time.
  await storage.put(deleted.id, Readable.from([Buffer.from("Gone.")]), 5);
  const unknownOld = randomUUID();
  const unknownYoung = randomUUID();
  for (const key of [unknownOld, unknownYoung, "not-a-file-id"]) await storage.put(key, Readable.from([Buffer.from("x")]), 1);
  const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
  for (const key of [live.id, deleted.id, unknownOld, "not-a-file-id"]) fs.utimesSync(path.join(storageDir, key), twoHoursAgo, twoHoursAgo);

  expect(await sweepOrphanObjects({ db: t.db, storage })).toEqual({ checked: 3, removed: 2 });
  const left = storedObjects();
  expect(left).toContain(live.id);
  expect(left).toContain(unknownYoung);
  expect(left).toContain("not-a-file-id");
  expect(left).not.toContain(deleted.id);
  expect(left).not.toContain(unknownOld);
  for (const key of [unknownYoung, "not-a-file-id"]) await storage.delete(key);
});

describe("parsing when the store is unreachable", () => {
  let s3: FakeS3;
  beforeAll(async () => {
    s3 = await startFakeS3();
  });
  afterAll(() => s3?.close());

  /** A file row and its object in the fake S3, with no job: parseFile is called here, as the worker would. */
  async function storedInS3(name: string, text: string) {
    const w = await world();
    const store = s3Storage({ bucket: "files", region: "us-east-1", endpoint: s3.endpoint, accessKeyId: "k", secretAccessKey: "s", forcePathStyle: true });
    const file = await t.db.file.create({
      data: { userId: w.user.id, roomId: w.room.id, name, kind: "txt", mimeType: "text/plain", sizeBytes: Buffer.byteLength(text), sha256: "-" },
    });
    await store.put(file.id, Readable.from([Buffer.from(text)]), Buffer.byteLength(text));
    return { file, store };
  }

  it("a transient failure is thrown for a retry, leaving the file parsing; the retry succeeds", async () => {
    const { file, store } = await storedInS3("notes.txt", "Retried until the store came back.");
    s3.down = true;
    await expect(parseFile({ db: t.db, storage: store }, file.id, { lastAttempt: false })).rejects.toThrow();
    expect((await t.db.file.findUniqueOrThrow({ where: { id: file.id } })).status).toBe("parsing");
    s3.down = false;
    expect(await parseFile({ db: t.db, storage: store }, file.id, { lastAttempt: false })).toEqual({ status: "ready", chunkCount: 1 });
    // A job delivered again after it finished changes nothing.
    expect(await parseFile({ db: t.db, storage: store }, file.id, { lastAttempt: false })).toMatchObject({ status: "skipped" });
  });

  it("on the last attempt the file fails with the reason instead", async () => {
    const { file, store } = await storedInS3("notes.txt", "Never readable.");
    s3.down = true;
    try {
      const outcome = await parseFile({ db: t.db, storage: store }, file.id, { lastAttempt: true });
      expect(outcome).toMatchObject({ status: "failed", error: expect.stringMatching(/^The stored file could not be read/) });
      expect(await t.db.file.findUniqueOrThrow({ where: { id: file.id } })).toMatchObject({ status: "failed", error: outcome.status === "failed" ? outcome.error : "" });
    } finally {
      s3.down = false;
    }
  });
});
