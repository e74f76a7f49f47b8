/**
 * `file_read({ file_id, start?, end? })`: the text of one of the room's (or direct session's) ready
 * files, chunk by chunk in order, from chunk `start` (default 0) to chunk `end` (inclusive, default
 * the last), within the token budget. It stops at a chunk boundary and says which `start` continues.
 *
 * A file the call may not see — another room's, another user's, deleted, or no file at all — is
 * "No such file" with the same words every time, so an id never reveals whether it exists.
 */
import { z } from "zod";
import type { Db } from "../db.ts";
import { isUuid, liveFilesWhere, type FileScope } from "./file-scope.ts";
import { countTextTokens, cutToTokens } from "./token-budget.ts";
import { ToolError, type Tool } from "./tool.ts";

const MAX_POSITION = 1_000_000;
/** Chunks loaded per query while filling the budget. */
const BATCH = 40;
/** Tokens kept back beyond the header and closing line (the blank lines between parts, rounding at joins). */
const FRAME_TOKENS = 8;

export const fileReadArgs = z.object({
  file_id: z.string().trim().min(1).max(200).describe("The file's id, as file_search returned it."),
  start: z.number().int().min(0).max(MAX_POSITION).optional().describe("First chunk position to read (0-based; default 0)."),
  end: z.number().int().min(0).max(MAX_POSITION).optional().describe("Last chunk position to read, inclusive (default: to the end, as far as the size limit allows)."),
});
export type FileReadArgs = z.infer<typeof fileReadArgs>;

export const noSuchFile = (id: string) => `No such file: ${id}`;

export const fileReadTool: Tool<FileReadArgs> = {
  name: "file_read",
  permission: "file_read",
  description:
    "Read the text of a file uploaded to this conversation, by its file_id (from file_search). Files are split into numbered chunks: start and end (inclusive) are chunk positions, from 0. Long reads stop at a size limit and say which start to use next.",
  args: fileReadArgs,
  availability() {
    return { available: true };
  },
  credits() {
    return "0";
  },
  describe(args) {
    const range = args.start === undefined && args.end === undefined ? "" : ` (chunks ${args.start ?? 0}–${args.end ?? "end"})`;
    return `Reading a file${range}`;
  },
  async run(args, context) {
    const read = await readFile(context.db, context, args, context.maxResultTokens);
    return { content: read.content, summary: read.summary };
  },
};

interface ChunkRow {
  position: number;
  page: number | null;
  text: string;
}

export interface FileRead {
  content: string;
  summary: string;
  /** Positions of the first and last chunk returned. */
  first: number;
  last: number;
  /** The `start` that continues the read, or null when the requested range was read whole. */
  nextStart: number | null;
}

export async function readFile(db: Db, scope: FileScope, args: FileReadArgs, maxTokens: number): Promise<FileRead> {
  const id = args.file_id;
  if (!isUuid(id)) throw new ToolError(noSuchFile(id));
  const file = await db.file.findFirst({
    where: { id, ...liveFilesWhere(scope) },
    select: { id: true, name: true, kind: true, status: true, pages: true, chunkCount: true },
  });
  if (!file) throw new ToolError(noSuchFile(id));
  if (file.status === "uploaded" || file.status === "parsing") {
    throw new ToolError(`The file ${file.name} is not ready yet (its text is still being extracted); try again in a moment.`);
  }
  if (file.status === "failed") throw new ToolError(`The file ${file.name} could not be read: its text could not be extracted.`);

  // chunk_count is written with the chunks; the last position is asked of the chunks themselves so a
  // stale count cannot hide one.
  const lastRow = await db.fileChunk.findFirst({ where: { fileId: file.id }, orderBy: { position: "desc" }, select: { position: true } });
  if (!lastRow) return emptyFile(file.name);
  const lastPosition = lastRow.position;
  const start = args.start ?? 0;
  const end = Math.min(args.end ?? lastPosition, lastPosition);
  if (args.end !== undefined && args.end < start) throw new ToolError(`end (${args.end}) is before start (${start}).`);
  if (start > lastPosition) throw new ToolError(`${file.name} has chunks 0–${lastPosition}; start ${start} is past its end.`);

  const paged = file.kind === "pdf";
  const headerOf = (last: number, pages: number[]) =>
    `${file.name} (file_id: ${file.id}, ${describeFile(file.kind, file.pages, lastPosition)}): ${last === start ? `chunk ${start}` : `chunks ${start}–${last}`}${pageRange(pages, ", ")}`;
  // The header and closing line, at their longest, come off the budget before any text.
  const widest = file.pages ?? 9999;
  const frame =
    countTextTokens(headerOf(end, [widest, widest + 1])) +
    countTextTokens(closingLine({ cutShort: true, lastRead: end, nextStart: end, end, lastPosition })) +
    FRAME_TOKENS;
  const budget = Math.max(maxTokens - frame, 20);
  const parts: string[] = [];
  const pages: number[] = [];
  let used = 0;
  let lastPage: number | null = null;
  let lastRead = start - 1;
  let cutShort = false;
  let from = start;
  fill: while (from <= end) {
    const batch: ChunkRow[] = await db.fileChunk.findMany({
      where: { fileId: file.id, position: { gte: from, lte: end } },
      orderBy: { position: "asc" },
      take: BATCH,
      select: { position: true, page: true, text: true },
    });
    if (batch.length === 0) break;
    for (const chunk of batch) {
      const marker = paged && chunk.page !== null && chunk.page !== lastPage ? `[p. ${chunk.page}]\n` : "";
      const piece = `${marker}${chunk.text}`;
      const tokens = countTextTokens(piece) + 1;
      if (used + tokens > budget) {
        // A chunk alone larger than the budget: give what fits of it rather than nothing.
        if (parts.length === 0) {
          parts.push(cutToTokens(piece, budget));
          if (chunk.page !== null) pages.push(chunk.page);
          lastRead = chunk.position;
          cutShort = true;
        }
        break fill;
      }
      parts.push(piece);
      used += tokens;
      if (chunk.page !== null) {
        pages.push(chunk.page);
        lastPage = chunk.page;
      }
      lastRead = chunk.position;
    }
    from = batch[batch.length - 1]!.position + 1;
  }

  const nextStart = lastRead < end ? lastRead + 1 : null;
  const header = headerOf(lastRead, pages);
  const closing = closingLine({ cutShort, lastRead, nextStart, end, lastPosition });
  return {
    content: `${header}\n\n${parts.join("\n\n")}\n\n${closing}`,
    summary: `Read: ${file.name}${paged ? pageRange(pages, " ") : ""}`,
    first: start,
    last: lastRead,
    nextStart,
  };
}

function closingLine(read: { cutShort: boolean; lastRead: number; nextStart: number | null; end: number; lastPosition: number }): string {
  const cut = read.cutShort ? `Chunk ${read.lastRead} is longer than the size limit and was cut short. ` : "";
  if (read.nextStart !== null) return `[${cut}Stopped after chunk ${read.lastRead} to stay within the size limit; call file_read with start ${read.nextStart} to continue.]`;
  if (read.end === read.lastPosition) return `[${cut}End of file.]`;
  return `[${cut}End of chunk ${read.end}, as asked; the file goes on to chunk ${read.lastPosition}.]`;
}

function emptyFile(name: string): FileRead {
  return { content: `${name} has no text.`, summary: `Read: ${name}`, first: 0, last: -1, nextStart: null };
}

function describeFile(kind: string, pages: number | null, lastPosition: number): string {
  const size = pages !== null ? `, ${pages} page${pages === 1 ? "" : "s"}` : "";
  return `${kind}${size}, chunks 0–${lastPosition}`;
}

/** " p. 3" or " p. 3–4" for the pages read (in order), "" when none are known. */
export function pageRange(pages: number[], prefix: string): string {
  if (pages.length === 0) return "";
  const low = Math.min(...pages);
  const high = Math.max(...pages);
  return low === high ? `${prefix}p. ${low}` : `${prefix}p. ${low}–${high}`;
}
