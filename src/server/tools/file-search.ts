/**
 * `file_search(query)`: the passages (chunks) of the room's — or direct session's — ready files that
 * best match a query, by PostgreSQL full-text search over `file_chunks.tsv` (GIN-indexed). The query
 * is read as a web-search query (quoted phrases, `-word`, `or`), so a passage must match all of it;
 * when none does, passages that match any of its words are ranked instead, and the model is told so.
 */
import { Prisma } from "@/generated/prisma/client.ts";
import { z } from "zod";
import type { Db } from "../db.ts";
import { readyFilesSql, type FileScope } from "./file-scope.ts";
import { countTextTokens, entriesWithin } from "./token-budget.ts";
import type { Tool } from "./tool.ts";

/** How many passages one search returns at most. */
export const FILE_SEARCH_MAX_PASSAGES = 5;

export const fileSearchArgs = z.object({
  query: z.string().trim().min(1).max(400).describe('Words to look for in the files, e.g. "renewal terms" or "budget 2025 -draft".'),
});
export type FileSearchArgs = z.infer<typeof fileSearchArgs>;

export interface Passage {
  fileId: string;
  fileName: string;
  /** The chunk's position in its file (0-based): what `file_read`'s start/end take. */
  position: number;
  /** 1-based page (PDF), else null. */
  page: number | null;
  rank: number;
  /** The matching part of the chunk, matches in **bold**. */
  excerpt: string;
}

export const fileSearchTool: Tool<FileSearchArgs> = {
  name: "file_search",
  permission: "file_read",
  description:
    "Search the files uploaded to this conversation (full-text). Returns the best-matching passages with their file name, file_id, chunk position and page. Then use file_read with that file_id (and start/end chunk positions) to read around a passage.",
  args: fileSearchArgs,
  availability() {
    return { available: true };
  },
  credits() {
    return "0";
  },
  describe(args) {
    return `Searching files: ${args.query}`;
  },
  async run(args, context) {
    const { passages, allWords } = await searchPassages(context.db, context, args.query);
    return { content: formatPassages(args.query, passages, allWords, context.maxResultTokens), summary: `Searched files: ${args.query}` };
  },
};

interface PassageRow {
  file_id: string;
  file_name: string;
  position: number;
  page: number | null;
  rank: number;
  headline: string;
}

/**
 * The best passages for `query` among the scope's ready files: those matching all of it, or, when
 * none does, those matching any of its words (`allWords: false`).
 */
export async function searchPassages(db: Db, scope: FileScope, query: string, limit = FILE_SEARCH_MAX_PASSAGES): Promise<{ passages: Passage[]; allWords: boolean }> {
  const all = await rankedPassages(db, scope, Prisma.sql`websearch_to_tsquery('english', ${query})`, limit);
  if (all.length > 0) return { passages: all, allWords: true };
  return { passages: await rankedPassages(db, scope, anyWordQuery(query), limit), allWords: false };
}

/**
 * The query's words ORed, its exclusions (`-word`, `-"a phrase"`) still excluded. plainto_tsquery
 * ANDs the words; its text form ('a' & 'b') with & as | is the same words ORed.
 */
export function anyWordQuery(query: string): Prisma.Sql {
  const exclusion = /(^|\s)-("[^"]*"?|[^\s"]+)/g;
  const excluded = [...query.matchAll(exclusion)].map((m) => m[2]!.replace(/"/g, "")).filter((term) => term.trim() !== "");
  const positive = query.replace(exclusion, " ");
  const words = Prisma.sql`replace(plainto_tsquery('english', ${positive})::text, '&', '|')::tsquery`;
  return excluded.reduce((q, term) => Prisma.sql`(${q} && !! phraseto_tsquery('english', ${term}))`, words);
}

async function rankedPassages(db: Db, scope: FileScope, tsquery: Prisma.Sql, limit: number): Promise<Passage[]> {
  // The headline is computed for the few winners only (it re-parses the chunk's text).
  const rows = await db.$queryRaw<PassageRow[]>`
    WITH q AS (SELECT ${tsquery} AS query),
    best AS (
      SELECT c.file_id, f.name AS file_name, c.position, c.page, c.text, ts_rank(c.tsv, q.query) AS rank, f.created_at
      FROM file_chunks c
      JOIN files f ON f.id = c.file_id
      CROSS JOIN q
      WHERE ${readyFilesSql(scope)} AND c.tsv @@ q.query
      ORDER BY rank DESC, f.created_at ASC, c.file_id, c.position ASC
      LIMIT ${limit}
    )
    SELECT best.file_id::text AS file_id, best.file_name, best.position, best.page, best.rank::float8 AS rank,
           ts_headline('english', best.text, q.query,
             'StartSel=**, StopSel=**, MaxWords=45, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "') AS headline
    FROM best CROSS JOIN q
    ORDER BY best.rank DESC, best.created_at ASC, best.file_id, best.position ASC`;
  return rows.map((r) => ({
    fileId: r.file_id,
    fileName: r.file_name,
    position: r.position,
    page: r.page,
    rank: r.rank,
    excerpt: r.headline.replace(/\s+/g, " ").trim(),
  }));
}

/** The passages as the model reads them, within `maxTokens` (dropping the lowest-ranked first). */
export function formatPassages(query: string, passages: Passage[], allWords: boolean, maxTokens: number): string {
  if (passages.length === 0) return `No matching passages for "${query}" in this conversation's files.`;
  const header = allWords
    ? `Passages matching "${query}", best first:`
    : `No passage matches all of "${query}"; passages matching some of its words, best first:`;
  const footer = "Read more with file_read({ file_id, start, end }), start/end being chunk positions.";
  const entries = passages.map((p, i) => {
    const where = [`file_id: ${p.fileId}`, `chunk ${p.position}`, ...(p.page !== null ? [`p. ${p.page}`] : [])].join(", ");
    return `[${i + 1}] ${p.fileName} (${where})\n${p.excerpt}`;
  });
  const { kept, left } = entriesWithin(entries, maxTokens - countTextTokens(header) - countTextTokens(footer) - 20);
  const more = left > 0 ? `\n(${left} more passage${left === 1 ? "" : "s"} left out to stay within the size limit.)` : "";
  return `${header}\n\n${kept.join("\n\n")}\n${more}\n${footer}`.replace(/\n{3,}/g, "\n\n");
}
