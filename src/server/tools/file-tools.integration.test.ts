/**
 * file_search and file_read on a real PostgreSQL with the real migrations (the generated `tsv`
 * column and its GIN index), with files and chunks written directly as the parse job writes them.
 * What a call may see is the turn's room (or direct session), the turn's user, and ready, live
 * files only: another room's, another user's, deleted and unparsed files never show up, and asking
 * for one by id is "No such file" in the same words as for an id that does not exist.
 */
import { createHash, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { FileStatus } from "@/generated/prisma/client.ts";
import { createAgent } from "@/server/domain/agents/agents.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { createRoom } from "@/server/domain/rooms/rooms.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { parseEnv } from "@/server/env.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { fileReadTool } from "./file-read.ts";
import { fileSearchTool } from "./file-search.ts";
import { countTextTokens } from "./token-budget.ts";
import { ToolError, type ToolContext } from "./tool.ts";

const t = databaseForThisFile();

interface ChunkSpec {
  text: string;
  page?: number;
}

interface FileSpec {
  userId: string;
  roomId?: string;
  sessionId?: string;
  name: string;
  kind?: "txt" | "md" | "csv" | "pdf" | "docx";
  status?: FileStatus;
  deleted?: boolean;
  pages?: number;
  chunks: (string | ChunkSpec)[];
}

/** A file and its chunks, as the parse job leaves them. */
async function addFile(spec: FileSpec): Promise<string> {
  const chunks = spec.chunks.map((c) => (typeof c === "string" ? { text: c } : c));
  const text = chunks.map((c) => c.text).join("\n");
  const file = await t.db.file.create({
    data: {
      userId: spec.userId,
      roomId: spec.roomId ?? null,
      sessionId: spec.sessionId ?? null,
      name: spec.name,
      kind: spec.kind ?? "txt",
      mimeType: "text/plain",
      sizeBytes: Buffer.byteLength(text),
      sha256: createHash("sha256").update(text).digest("hex"),
      status: spec.status ?? "ready",
      pages: spec.pages ?? null,
      chunkCount: chunks.length,
      deletedAt: spec.deleted ? new Date() : null,
    },
  });
  let charStart = 0;
  await t.db.fileChunk.createMany({
    data: chunks.map((c, position) => {
      const row = { fileId: file.id, position, page: c.page ?? null, charStart, text: c.text };
      charStart += c.text.length + 1;
      return row;
    }),
  });
  return file.id;
}

const env = parseEnv({});

let w: Awaited<ReturnType<typeof world>>;
beforeAll(async () => {
  w = await world();
});

/** One user's room with a PDF, notes and files that must stay out of sight; their other room, their direct chat, and another user's room. */
async function world() {
  const alice = await ensureUserByEmail(t.db, `alice-${randomUUID()}@example.com`);
  const bob = await ensureUserByEmail(t.db, `bob-${randomUUID()}@example.com`);
  const room = await createRoom(t.db, alice.id, { name: "Energy", goal: "", mode: "manual" });
  const session = await createSession(t.db, alice.id, { roomId: room.id });
  const otherRoom = await createRoom(t.db, alice.id, { name: "Other", goal: "", mode: "manual" });
  const agent = await createAgent(t.db, alice.id, { key: "helper", name: "Helper", modelAlias: "local", rolePrompt: "You help.", toolPermissions: ["file_read"] });
  const direct = await createSession(t.db, alice.id, { agentId: agent.id });
  const bobRoom = await createRoom(t.db, bob.id, { name: "Bob's", goal: "", mode: "manual" });

  const report = await addFile({
    userId: alice.id,
    roomId: room.id,
    name: "report.pdf",
    kind: "pdf",
    pages: 5,
    chunks: [
      { page: 1, text: "Annual energy report. Introduction to the household budget and the year ahead." },
      { page: 1, text: "The roof faces south, which suits solar panels; installers quoted three offers." },
      { page: 2, text: "Solar panels: solar panels convert sunlight into power, and solar panels on this roof would cover most of the demand." },
      { page: 3, text: "Battery storage keeps the midday surplus for the evening; the inverter sizing follows from it." },
      { page: 4, text: "Heat pumps replace the gas boiler; the grant covers a third of the price." },
      { page: 5, text: "Conclusion: install the panels in spring, the battery storage a year later." },
    ],
  });
  const notes = await addFile({
    userId: alice.id,
    roomId: room.id,
    name: "notes.md",
    kind: "md",
    chunks: ["# Notes\nCall the installer about solar panels on Monday.", "Ask the neighbours about their zeppelin hangar (a joke).", "Budget: 12 000 for the panels, inverter included."],
  });
  const hidden = {
    deleted: await addFile({ userId: alice.id, roomId: room.id, name: "deleted.md", deleted: true, chunks: ["solar panels solar panels solar panels, deleted"] }),
    parsing: await addFile({ userId: alice.id, roomId: room.id, name: "parsing.txt", status: "parsing", chunks: ["solar panels solar panels, still parsing"] }),
    uploaded: await addFile({ userId: alice.id, roomId: room.id, name: "uploaded.txt", status: "uploaded", chunks: [] }),
    failed: await addFile({ userId: alice.id, roomId: room.id, name: "failed.txt", status: "failed", chunks: ["solar panels, failed"] }),
    otherRoom: await addFile({ userId: alice.id, roomId: otherRoom.id, name: "other-room.txt", chunks: ["solar panels solar panels in another room"] }),
    direct: await addFile({ userId: alice.id, sessionId: direct.id, name: "direct.txt", chunks: ["solar panels in the direct chat, and the zeppelin"] }),
    bobs: await addFile({ userId: bob.id, roomId: bobRoom.id, name: "bob.txt", chunks: ["solar panels solar panels, Bob's"] }),
    // Another user's file on this very room (nothing should put one there, but the user check holds anyway).
    bobsInRoom: await addFile({ userId: bob.id, roomId: room.id, name: "bob-in-room.txt", chunks: ["solar panels solar panels solar panels, Bob's in Alice's room"] }),
  };
  return { alice, bob, room, session, otherRoom, direct, bobRoom, report, notes, hidden };
}

function roomContext(maxResultTokens = 1500): ToolContext {
  return { db: t.db, env, userId: w.alice.id, roomId: w.room.id, sessionId: w.session.id, signal: new AbortController().signal, maxResultTokens };
}

function directContext(maxResultTokens = 1500): ToolContext {
  return { db: t.db, env, userId: w.alice.id, roomId: null, sessionId: w.direct.id, signal: new AbortController().signal, maxResultTokens };
}

/** The `[n] name (file_id: …, chunk n…)` lines of a file_search answer, in order. */
function passageLines(content: string): string[] {
  return content.split("\n").filter((line) => /^\[\d+\] /.test(line));
}

async function toolError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolError);
  return (error as ToolError).message;
}

describe("file_search", () => {
  it("ranks the room's passages, best first, with file name, id, chunk and page", async () => {
    const result = await fileSearchTool.run({ query: "solar panels" }, roomContext());
    expect(result.summary).toBe("Searched files: solar panels");
    const lines = passageLines(result.content);
    expect(lines[0]).toBe(`[1] report.pdf (file_id: ${w.report}, chunk 2, p. 2)`);
    // Both words are needed: the chunks with "panels" alone (report 5, notes 2) are left out.
    expect(lines.map((l) => l.replace(/^\[\d+\] /, "")).slice(1).sort()).toEqual([`notes.md (file_id: ${w.notes}, chunk 0)`, `report.pdf (file_id: ${w.report}, chunk 1, p. 1)`]);
    expect(result.content).toMatch(/\*\*[Ss]olar\*\* \*\*panels\*\*/);
    expect(result.sources).toBeUndefined();
  });

  it("never shows another room's, another user's, deleted or unparsed files", async () => {
    const { content } = await fileSearchTool.run({ query: "solar panels" }, roomContext());
    for (const id of Object.values(w.hidden)) expect(content).not.toContain(id);
    for (const name of ["deleted.md", "parsing.txt", "failed.txt", "other-room.txt", "direct.txt", "bob.txt", "bob-in-room.txt"]) expect(content).not.toContain(name);
  });

  it("searches a direct chat's own files when there is no room", async () => {
    const { content } = await fileSearchTool.run({ query: "solar panels" }, directContext());
    expect(passageLines(content)).toEqual([`[1] direct.txt (file_id: ${w.hidden.direct}, chunk 0)`]);
  });

  it("reads the query as a web search: phrases and exclusions", async () => {
    const phrase = await fileSearchTool.run({ query: '"battery storage"' }, roomContext());
    expect(passageLines(phrase.content).map((l) => l.replace(/^\[\d+\] /, ""))).toEqual([`report.pdf (file_id: ${w.report}, chunk 3, p. 3)`, `report.pdf (file_id: ${w.report}, chunk 5, p. 5)`]);
    const excluded = await fileSearchTool.run({ query: "panels -inverter" }, roomContext());
    // notes.md's chunk 2 mentions the inverter.
    expect(passageLines(excluded.content).some((l) => l.includes("notes.md") && l.includes("chunk 2"))).toBe(false);
    expect(passageLines(excluded.content).length).toBeGreaterThan(0);
  });

  it("falls back to passages with some of the words, keeping exclusions, and says so", async () => {
    const some = await fileSearchTool.run({ query: "zeppelin boiler" }, roomContext());
    expect(some.content).toContain('No passage matches all of "zeppelin boiler"');
    const lines = passageLines(some.content);
    expect(lines.some((l) => l.includes("notes.md") && l.includes("chunk 1"))).toBe(true);
    expect(lines.some((l) => l.includes("report.pdf") && l.includes("chunk 4"))).toBe(true);
    expect(some.content).not.toContain("direct.txt");

    const withExclusion = await fileSearchTool.run({ query: "zeppelin boiler -gas" }, roomContext());
    expect(passageLines(withExclusion.content).some((l) => l.includes("chunk 4"))).toBe(false);
    expect(passageLines(withExclusion.content).some((l) => l.includes("notes.md"))).toBe(true);

    // Excluding a stop word excludes nothing.
    const stopWord = await fileSearchTool.run({ query: 'zeppelin boiler -the -"of a"' }, roomContext());
    expect(passageLines(stopWord.content)).toHaveLength(2);
  });

  it("answers plainly when nothing matches (not an error)", async () => {
    for (const query of ["quantum chromodynamics", "the and of", "!!! &&& |||", "zeppelin -zeppelin"]) {
      const result = await fileSearchTool.run({ query }, roomContext());
      expect(result.content).toBe(`No matching passages for "${query}" in this conversation's files.`);
    }
  });

  it("returns at most five passages, within the token budget", async () => {
    const many = await addFile({
      userId: w.alice.id,
      roomId: w.otherRoom.id,
      name: "many.txt",
      chunks: Array.from({ length: 12 }, (_, i) => `Passage ${i} about geothermal wells. ${"Filler words that pad the passage out. ".repeat(i + 5)}`),
    });
    const context = { ...roomContext(), roomId: w.otherRoom.id };
    const all = await fileSearchTool.run({ query: "geothermal" }, context);
    expect(passageLines(all.content)).toHaveLength(5);
    expect(all.content).toContain(many);

    const small = await fileSearchTool.run({ query: "geothermal" }, { ...context, maxResultTokens: 150 });
    expect(countTextTokens(small.content)).toBeLessThanOrEqual(150);
    expect(passageLines(small.content).length).toBeGreaterThanOrEqual(1);
    expect(small.content).toMatch(/more passages? left out/);
  });
});

describe("file_read", () => {
  it("reads a whole PDF in order, with page markers, and names its pages", async () => {
    const result = await fileReadTool.run({ file_id: w.report }, roomContext());
    expect(result.summary).toBe("Read: report.pdf p. 1–5");
    const { content } = result;
    expect(content.startsWith(`report.pdf (file_id: ${w.report}, pdf, 5 pages, chunks 0–5): chunks 0–5, p. 1–5\n`)).toBe(true);
    const order = ["[p. 1]\nAnnual energy report", "The roof faces south", "[p. 2]\nSolar panels:", "[p. 3]\nBattery storage", "[p. 4]\nHeat pumps", "[p. 5]\nConclusion"];
    const at = order.map((s) => content.indexOf(s));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(content.match(/\[p\. 1\]/g)).toHaveLength(1);
    expect(content.trimEnd().endsWith("[End of file.]")).toBe(true);
  });

  it("reads a range of chunks, inclusive", async () => {
    const two = await fileReadTool.run({ file_id: w.report, start: 2, end: 3 }, roomContext());
    expect(two.summary).toBe("Read: report.pdf p. 2–3");
    expect(two.content).toContain("Solar panels:");
    expect(two.content).toContain("Battery storage");
    expect(two.content).not.toContain("The roof faces south");
    expect(two.content).not.toContain("Heat pumps");
    expect(two.content).toContain("[End of chunk 3, as asked; the file goes on to chunk 5.]");

    const onePage = await fileReadTool.run({ file_id: w.report, start: 0, end: 1 }, roomContext());
    expect(onePage.summary).toBe("Read: report.pdf p. 1");
    const fromFour = await fileReadTool.run({ file_id: w.report, start: 4 }, roomContext());
    expect(fromFour.summary).toBe("Read: report.pdf p. 4–5");
    // An end past the last chunk reads to the end.
    const pastEnd = await fileReadTool.run({ file_id: w.report, start: 5, end: 99 }, roomContext());
    expect(pastEnd.summary).toBe("Read: report.pdf p. 5");
    expect(pastEnd.content).toContain("[End of file.]");
  });

  it("names an unpaged file without pages", async () => {
    const result = await fileReadTool.run({ file_id: w.notes }, roomContext());
    expect(result.summary).toBe("Read: notes.md");
    expect(result.content).not.toContain("[p.");
    expect(result.content).toContain("Call the installer");
    expect(result.content).toContain("Budget: 12 000");
  });

  it("stops at a chunk boundary within the budget, and says which start continues", async () => {
    const texts = Array.from({ length: 30 }, (_, i) => `Section ${i}. ${`Sentence ${i} goes on about the subject at some length. `.repeat(8)}`);
    const long = await addFile({ userId: w.alice.id, roomId: w.room.id, name: "long.txt", chunks: texts });
    const budget = 600;
    let start = 0;
    const read: string[] = [];
    for (let calls = 0; calls < 30; calls++) {
      const { content } = await fileReadTool.run({ file_id: long, start }, roomContext(budget));
      expect(countTextTokens(content)).toBeLessThanOrEqual(budget);
      read.push(...texts.filter((text) => content.includes(text)));
      const next = /call file_read with start (\d+) to continue/.exec(content);
      if (!next) {
        expect(content).toContain("[End of file.]");
        break;
      }
      const nextStart = Number(next[1]);
      // Every chunk before the next start was given whole.
      expect(content).toContain(texts[nextStart - 1]);
      expect(content).not.toContain(`Section ${nextStart}.`);
      start = nextStart;
    }
    expect(read).toEqual(texts);
  });

  it("cuts a chunk larger than the whole budget, and moves on after it", async () => {
    const huge = await addFile({ userId: w.alice.id, roomId: w.room.id, name: "huge.txt", chunks: ["word ".repeat(3000), "the next chunk"] });
    const { content } = await fileReadTool.run({ file_id: huge }, roomContext(300));
    expect(countTextTokens(content)).toBeLessThanOrEqual(300);
    expect(content).toContain("Chunk 0 is longer than the size limit and was cut short.");
    expect(content).toContain("call file_read with start 1 to continue");
  });

  it("refuses a range that is empty or past the end", async () => {
    expect(await toolError(fileReadTool.run({ file_id: w.report, start: 3, end: 2 }, roomContext()))).toBe("end (2) is before start (3).");
    expect(await toolError(fileReadTool.run({ file_id: w.report, start: 6 }, roomContext()))).toBe("report.pdf has chunks 0–5; start 6 is past its end.");
  });

  it("answers 'No such file' in the same words for every file it may not see", async () => {
    const ids = [
      w.hidden.bobs, // another user's, in their room
      w.hidden.bobsInRoom, // another user's, in this room
      w.hidden.otherRoom, // this user's, another room
      w.hidden.direct, // this user's direct chat, asked from the room
      w.hidden.deleted,
      randomUUID(), // no file at all
      "not-a-uuid",
      "'; DROP TABLE files; --",
    ];
    for (const id of ids) expect(await toolError(fileReadTool.run({ file_id: id }, roomContext()))).toBe(`No such file: ${id}`);
    // And from the direct chat, the room's files do not exist.
    expect(await toolError(fileReadTool.run({ file_id: w.report }, directContext()))).toBe(`No such file: ${w.report}`);
    const direct = await fileReadTool.run({ file_id: w.hidden.direct }, directContext());
    expect(direct.summary).toBe("Read: direct.txt");
  });

  it("says a file still being parsed is not ready yet", async () => {
    expect(await toolError(fileReadTool.run({ file_id: w.hidden.parsing }, roomContext()))).toBe(
      "The file parsing.txt is not ready yet (its text is still being extracted); try again in a moment.",
    );
    expect(await toolError(fileReadTool.run({ file_id: w.hidden.uploaded }, roomContext()))).toContain("is not ready yet");
    expect(await toolError(fileReadTool.run({ file_id: w.hidden.failed }, roomContext()))).toBe("The file failed.txt could not be read: its text could not be extracted.");
  });

  it("reads a ready file with no text as empty", async () => {
    const empty = await addFile({ userId: w.alice.id, roomId: w.room.id, name: "empty.txt", chunks: [] });
    const result = await fileReadTool.run({ file_id: empty }, roomContext());
    expect(result).toEqual({ content: "empty.txt has no text.", summary: "Read: empty.txt" });
  });
});
