/**
 * `sessions.search`: PostgreSQL full-text search over the user's messages in all their live
 * sessions (messages.tsv, a generated english tsvector with a GIN index), best match first. Tool
 * traces and private messages are the agents' memory, not the conversation, so they are never
 * found, nor are the sessions of a deleted room or agent. Snippets are plain text with the matches given as offsets: the UI highlights them itself
 * and never renders HTML from a message.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import { text } from "../text.ts";

export const searchSessionsInput = z.object({
  query: text().trim().min(1, "Type something to search for").max(200),
  limit: z.number().int().min(1).max(50).default(20),
  /** The `nextCursor` of the previous page (an offset into the ranked results). */
  cursor: z.string().regex(/^\d{1,6}$/, "Not a search cursor").optional(),
});

// Control characters as match markers: they are not in ordinary text, so splitting on them is exact.
const START = "\u0001";
const STOP = "\u0002";
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=24, MinWords=8, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

interface Row {
  message_id: string;
  session_id: string;
  session_title: string;
  room_id: string | null;
  room_name: string | null;
  agent_id: string | null;
  agent_name: string | null;
  seq: bigint;
  role: "user" | "assistant";
  agent_key: string | null;
  speaker_name: string | null;
  created_at: Date;
  headline: string;
}

export async function searchSessions(db: Db, userId: string, input: z.infer<typeof searchSessionsInput>) {
  const offset = input.cursor ? Number(input.cursor) : 0;
  // A deleted room or agent takes its sessions out of sight until restored. Read first, as id
  // lists (usually empty): as joins in the search itself they made the planner expect a handful of
  // sessions and walk every session's messages instead of using the full-text index (100 times slower).
  const [deleted] = await db.$queryRaw<{ rooms: string[]; agents: string[] }[]>`
    SELECT ARRAY(SELECT id::text FROM rooms WHERE user_id = ${userId}::uuid AND deleted_at IS NOT NULL) AS rooms,
           ARRAY(SELECT id::text FROM agents WHERE user_id = ${userId}::uuid AND deleted_at IS NOT NULL) AS agents`;
  const hidden = deleted ?? { rooms: [], agents: [] };
  // The match and the ranking read only the index and the matching rows; the headline (which
  // re-parses the text) is computed for the page alone.
  const rows = await db.$queryRaw<Row[]>`
    WITH q AS (SELECT websearch_to_tsquery('english', ${input.query}) AS q),
    hits AS (
      SELECT m.id, m.session_id, m.seq, m.role, m.agent_key, m.agent_name, m.created_at, m.content, ts_rank(m.tsv, q.q) AS rank
      FROM q, messages m
      JOIN sessions s ON s.id = m.session_id
      WHERE m.tsv @@ q.q AND s.user_id = ${userId}::uuid AND s.deleted_at IS NULL
        AND m.role <> 'tool' AND m.visibility = 'shared'
        AND (s.room_id IS NULL OR s.room_id <> ALL(${hidden.rooms}::uuid[]))
        AND (s.agent_id IS NULL OR s.agent_id <> ALL(${hidden.agents}::uuid[]))
      ORDER BY rank DESC, m.created_at DESC, m.id
      LIMIT ${input.limit + 1} OFFSET ${offset}
    )
    SELECT h.id AS message_id, h.session_id, s.title AS session_title, s.room_id, r.name AS room_name, s.agent_id, a.name AS agent_name,
      h.seq, h.role::text AS role, h.agent_key, h.agent_name AS speaker_name, h.created_at,
      ts_headline('english', h.content, q.q, ${HEADLINE_OPTIONS}) AS headline
    FROM hits h CROSS JOIN q
    JOIN sessions s ON s.id = h.session_id
    LEFT JOIN rooms r ON r.id = s.room_id
    LEFT JOIN agents a ON a.id = s.agent_id
    ORDER BY h.rank DESC, h.created_at DESC, h.id`;
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((row) => ({
      sessionId: row.session_id,
      sessionTitle: row.session_title,
      roomId: row.room_id,
      roomName: row.room_name,
      /** The agent of a direct chat (null for a room's session). */
      agentId: row.agent_id,
      agentName: row.agent_name,
      messageId: row.message_id,
      /** Open the session at this message: `sessions.messages` with cursor = seq + 1 ends at it. */
      seq: row.seq.toString(),
      role: row.role,
      /** Who wrote the message: null for the user, else the agent's key and name. */
      agentKey: row.agent_key,
      speakerName: row.speaker_name,
      ...snippetOf(row.headline),
      createdAt: row.created_at,
    })),
    nextCursor: rows.length > input.limit ? String(offset + input.limit) : null,
  };
}

/** The headline as plain text, and where its matches are ([start, end) offsets into it). */
export function snippetOf(headline: string): { snippet: string; highlights: [number, number][] } {
  let snippet = "";
  const highlights: [number, number][] = [];
  let start = -1;
  for (const ch of headline) {
    if (ch === START) start = snippet.length;
    else if (ch === STOP) {
      if (start >= 0 && snippet.length > start) highlights.push([start, snippet.length]);
      start = -1;
    } else snippet += ch;
  }
  return { snippet: collapse(snippet, highlights), highlights };
}

/** Collapses runs of whitespace (a headline keeps the message's newlines), moving the offsets along. */
function collapse(snippet: string, highlights: [number, number][]): string {
  let out = "";
  const map: number[] = [];
  let lastSpace = true;
  for (let i = 0; i < snippet.length; i++) {
    map.push(out.length);
    const ch = snippet[i]!;
    if (/\s/.test(ch)) {
      if (!lastSpace) out += " ";
      lastSpace = true;
    } else {
      out += ch;
      lastSpace = false;
    }
  }
  map.push(out.length);
  const trimmedEnd = out.replace(/\s+$/, "");
  for (const h of highlights) {
    h[0] = Math.min(map[h[0]]!, trimmedEnd.length);
    h[1] = Math.min(map[h[1]]!, trimmedEnd.length);
  }
  return trimmedEnd;
}
