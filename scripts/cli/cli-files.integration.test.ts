/**
 * Files over HTTP against the built app and a real worker: the upload route as curl and the browser
 * use it (token or session cookie, raw body, ?name=), its refusals as JSON errors with their HTTP
 * statuses, and the CLI's `files upload --wait`, `files list` and `files delete`.
 */
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { createRoom } from "@/server/domain/rooms/rooms.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { docxWith, elfBinary, pdfWithPages } from "@/test/file-fixtures.ts";
import { makeTempDir } from "@/test/temp-dir.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWeb, type WebProcess } from "@/test/web-process.ts";
import { startWorker, type WorkerProcess } from "@/test/worker-process.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const t = databaseForThisFile();
const dataDir = makeTempDir("cli-files");
// An origin listed in CORS_ORIGINS: it may upload with the cookie, as it may call the API.
const PARTNER = "https://partner.example";
let web: WebProcess;
let worker: WorkerProcess;
let token: string;
let userId: string;

const cliEnv = () => ({ ...process.env, PANTHEON_URL: web.base, PANTHEON_TOKEN: token, LOG_LEVEL: "warn" });
const cli = async (...args: string[]) => (await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: root, env: cliEnv() })).stdout.trim();

beforeAll(async () => {
  // The web app stores uploads and the worker reads them: one data directory for both.
  [web, worker] = await Promise.all([startWeb(t.url, { PANTHEON_DATA_DIR: dataDir, CORS_ORIGINS: PARTNER }), startWorker(t.url, t.db, { PANTHEON_DATA_DIR: dataDir })]);
  const user = await ensureUserByEmail(t.db, "files-http@example.com");
  userId = user.id;
  token = (await createApiToken(t.db, user.id, { name: "cli" })).token;
}, 180_000);

afterAll(async () => {
  worker?.child.kill("SIGTERM");
  await worker?.exited;
  await web?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface ErrorBody {
  error: { message: string; data: { code: string; httpStatus: number; appCode: string; details: Record<string, unknown> | null } };
}

function post(route: string, body: Buffer | string, options: { name?: string | null; headers?: Record<string, string> } = {}) {
  const url = new URL(route, web.base);
  if (options.name !== null) url.searchParams.set("name", options.name ?? "upload.bin");
  return fetch(url, { method: "POST", body: typeof body === "string" ? body : new Uint8Array(body), headers: { authorization: `Bearer ${token}`, ...options.headers } });
}

it("POST /api/rooms/:id/files stores the raw body, answers 201 { file }, and the worker reads it", async () => {
  const room = await createRoom(t.db, userId, { name: "HTTP room", goal: "", mode: "manual" });
  const pdf = await pdfWithPages(["Cover page", "The ledger reconciles nightly"]);
  const res = await post(`/api/rooms/${room.id}/files`, pdf, { name: "Q3 report (final).pdf", headers: { "content-type": "application/pdf" } });
  expect(res.status).toBe(201);
  const { file } = (await res.json()) as { file: { id: string; name: string; kind: string; sizeBytes: number; status: string } };
  expect(file).toMatchObject({ name: "Q3 report (final).pdf", kind: "pdf", sizeBytes: pdf.length, status: "uploaded" });
  expect(fs.readFileSync(path.join(dataDir, "files", file.id))).toEqual(pdf);
  const ready = await waitFor("parsed", async () => {
    const row = await t.db.file.findUniqueOrThrow({ where: { id: file.id } });
    return row.status !== "uploaded" && row.status !== "parsing" && row;
  });
  expect(ready).toMatchObject({ status: "ready", pages: 2 });
  const hits = await t.db.$queryRaw<{ page: number }[]>`SELECT page FROM file_chunks WHERE file_id = ${file.id}::uuid AND tsv @@ plainto_tsquery('english', 'ledger reconciles')`;
  expect(hits).toEqual([{ page: 2 }]);
});

it("refusals are JSON errors with their HTTP status and machine code, and store nothing", async () => {
  const room = await createRoom(t.db, userId, { name: "Refusals", goal: "", mode: "manual" });
  const route = `/api/rooms/${room.id}/files`;
  const expectError = async (res: Response, status: number, appCode: string) => {
    expect(res.status, appCode).toBe(status);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.data).toMatchObject({ httpStatus: status, appCode });
    return body;
  };

  await expectError(await post(route, elfBinary(), { name: "report.pdf" }), 415, "file_type_not_allowed");
  // Announced too large by Content-Length: refused without reading the 11 MB.
  const tooLarge = await expectError(await post(route, Buffer.alloc(11 * 1024 * 1024, "a"), { name: "big.txt" }), 413, "file_too_large");
  expect(tooLarge.error.data.details).toEqual({ maxBytes: 10 * 1024 * 1024 });
  await expectError(await post(route, "hello", { name: null }), 400, "invalid_input");
  await expectError(await post(route, "hello", { headers: { authorization: "Bearer pan_not-a-real-token" } }), 401, "unauthorized");
  await expectError(await post(`/api/rooms/${randomUUID()}/files`, "hello"), 404, "not_found");
  await expectError(await post(`/api/rooms/not-an-id/files`, "hello"), 404, "not_found");
  expect(await t.db.file.count({ where: { roomId: room.id } })).toBe(0);

  // Another user's room is not found, whatever is sent.
  const stranger = await ensureUserByEmail(t.db, "stranger@example.com");
  const strangerToken = (await createApiToken(t.db, stranger.id, { name: "x" })).token;
  await expectError(await post(route, "hello", { headers: { authorization: `Bearer ${strangerToken}` } }), 404, "not_found");
});

it("the browser's way: a session cookie from Pantheon's own origin (or one in CORS_ORIGINS) uploads; from another origin it is refused", async () => {
  const sessionToken = randomBytes(32).toString("hex");
  await t.db.session.create({ data: { sessionToken, userId, expires: new Date(Date.now() + 3_600_000) } });
  const agentSession = await createSession(t.db, userId, { roomId: (await createRoom(t.db, userId, { name: "Cookie room", goal: "", mode: "manual" })).id });
  const cookie = { authorization: "", cookie: `next-auth.session-token=${sessionToken}` };
  const route = `/api/sessions/${agentSession.id}/files`;

  const foreign = await post(route, "from elsewhere", { name: "x.txt", headers: { ...cookie, origin: "https://evil.example" } });
  expect(foreign.status).toBe(403);
  expect(((await foreign.json()) as ErrorBody).error.data.appCode).toBe("origin_not_allowed");

  const own = await post(route, "# Notes\n\nFrom the browser.", { name: "notes.md", headers: { ...cookie, origin: web.base } });
  expect(own.status).toBe(201);
  const { file } = (await own.json()) as { file: { id: string; kind: string } };
  expect(file.kind).toBe("md");
  // A room session's upload belongs to its room.
  expect(await t.db.file.findUniqueOrThrow({ where: { id: file.id } })).toMatchObject({ roomId: agentSession.roomId, sessionId: null });

  const preflight = await fetch(new URL(route, web.base), { method: "OPTIONS", headers: { origin: PARTNER, "access-control-request-method": "POST" } });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get("access-control-allow-origin")).toBe(PARTNER);
  const partner = await post(route, "From a listed origin.", { name: "partner.txt", headers: { ...cookie, origin: PARTNER } });
  expect(partner.status).toBe(201);
  expect(partner.headers.get("access-control-allow-origin")).toBe(PARTNER);
  expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
});

it("the CLI uploads with --wait, lists and deletes", async () => {
  const room = await createRoom(t.db, userId, { name: "CLI files", goal: "", mode: "manual" });
  const dir = makeTempDir("cli-files-in");
  try {
    const docx = path.join(dir, "memo.docx");
    fs.writeFileSync(docx, docxWith(["Meeting memo.", "We chose the northern route."]));
    const notes = path.join(dir, "notes.txt");
    fs.writeFileSync(notes, "Plain notes about the northern route.");

    const out = await cli("files", "upload", "--room", room.id, "--wait", docx, notes);
    const lines = out.split("\n");
    expect(lines).toHaveLength(2);
    expect(out).toMatch(/ docx .* memo\.docx: ready \(1 chunks\)/);
    expect(out).toMatch(/ txt .* notes\.txt: ready \(1 chunks\)/);
    const ids = lines.map((l) => l.split(/\s+/)[0]!);

    const list = await cli("files", "list", "--room", room.id);
    expect(list.split("\n")[0]).toMatch(/^id +name +kind +size +status$/);
    for (const id of ids) expect(list).toContain(id);
    expect(list).toMatch(/of 100\.0 MB used; at most 10\.0 MB a file$/);

    const json = JSON.parse(await cli("files", "list", "--room", room.id, "--json")) as { items: { id: string }[]; usedBytes: number };
    expect(json.items).toHaveLength(2);

    expect(await cli("files", "delete", ids[0]!)).toBe(`deleted ${ids[0]}`);
    expect(await cli("files", "list", "--room", room.id)).not.toContain(ids[0]);

    // A refusal: one line on stderr with the machine code, exit code 1.
    const elf = path.join(dir, "report.pdf");
    fs.writeFileSync(elf, elfBinary());
    await expect(cli("files", "upload", "--room", room.id, elf)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("[file_type_not_allowed]") });
    await expect(cli("files", "list")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("--room <id> or --session <id>") });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
