/**
 * `sessions.search` at scale (the chat-workspace goal: a word from a message three rooms away
 * found within 300 ms p95 with 100,000 messages): seeds one user's 100,000 messages over 30 rooms
 * and 600 sessions, plus other users' messages as noise (that hold the same words, so the
 * ownership filter has work to do), with generate_series in SQL; then times the domain function
 * (input parsing, the query, the snippets; no HTTP) one call at a time.
 * - rare: 50 queries, each a word planted in exactly one of the user's messages, in the room three
 *   rooms away from the one "open", and in three of other users' messages;
 * - common: a word in about 5 % of the messages (thousands of matches to rank for one page);
 * - phrase: a quoted two-word phrase of common words.
 */
import type { Db } from "../../src/server/db.ts";
import { ensureUserByEmail } from "../../src/server/domain/auth/users.ts";
import { createRoom } from "../../src/server/domain/rooms/rooms.ts";
import { searchSessions, searchSessionsInput } from "../../src/server/domain/sessions/search.ts";
import { createSession } from "../../src/server/domain/sessions/sessions.ts";

export interface SearchSeed {
  messages: number;
  noiseMessages: number;
  rooms: number;
  sessions: number;
  seedSeconds: number;
}

export interface SearchTiming {
  query: string;
  runs: number;
  matches: string;
  p50: number;
  p95: number;
  max: number;
}

export interface SearchBench {
  seed: SearchSeed;
  timings: SearchTiming[];
  /** Every rare-word query found exactly its one planted message, in the right room. */
  allFound: boolean;
}

// Everyday words for the generated messages (stemmed by the english configuration like real text).
const WORDS = (
  "plan launch date team review budget market customer product design code test release deploy server database query index " +
  "agent model answer question idea draft report meeting schedule week month quarter goal risk issue fix bug feature user " +
  "account price cost credit chart graph table list note summary decision action item owner task project roadmap sprint " +
  "email message reply thread search result source link page document file upload read write edit change update version " +
  "number value total average growth rate trend data sample survey feedback support ticket priority status progress blocker " +
  "design color layout button screen phone laptop window menu sidebar header footer title label field form input output " +
  "morning afternoon evening today tomorrow yesterday monday tuesday wednesday thursday friday early late quick slow " +
  "good better best clear simple strong weak large small first last next previous open close start finish keep remove " +
  "think know want need help show tell ask explain compare choose decide agree check measure improve reduce increase"
).split(" ");

const ROOMS = 30;
const SESSIONS_PER_ROOM = 20;
const NOISE_USERS = 20;
const RARE_QUERIES = 50;

/**
 * A made-up word no generated message holds, one per query. Letters and digits (`zorbulax7q`): the
 * parser takes it as one word that no stemmer touches (`zorbulaxas` and `zorbulaxae` would both
 * stem to `zorbulaxa` and find each other).
 */
function rareWord(i: number): string {
  return `zorbulax${i}q`;
}

/** Inserts `count` messages spread over `sessionIds`, each 8–40 words drawn from WORDS, alternately the user's and an agent's. */
async function insertMessages(db: Db, sessionIds: string[], count: number) {
  await db.$executeRaw`
    WITH s AS (SELECT ${sessionIds}::uuid[] AS ids, cardinality(${sessionIds}::uuid[]) AS n),
    v AS (SELECT ${WORDS}::text[] AS w, cardinality(${WORDS}::text[]) AS n)
    INSERT INTO messages (id, session_id, seq, role, agent_key, agent_name, content, created_at)
    SELECT gen_random_uuid(), s.ids[1 + i % s.n], 1 + i / s.n,
      (CASE WHEN i / s.n % 2 = 0 THEN 'user' ELSE 'assistant' END)::message_role,
      CASE WHEN i / s.n % 2 = 0 THEN NULL ELSE 'sage' END, CASE WHEN i / s.n % 2 = 0 THEN NULL ELSE 'Sage' END,
      -- ORDER BY g ties the aggregate to this subquery (with only outer columns it would be the outer query's).
      (SELECT string_agg(v.w[1 + floor(random() * v.n)::int], ' ' ORDER BY g) FROM generate_series(1, 8 + (i % 33)) g),
      now() - ((${count} - i) || ' seconds')::interval
    FROM generate_series(0, ${count - 1}) i, s, v`;
  await db.$executeRaw`UPDATE sessions SET last_seq = (SELECT COALESCE(max(seq), 0) FROM messages WHERE session_id = sessions.id) WHERE id = ANY(${sessionIds}::uuid[])`;
}

/** Puts `word` into one existing message of `sessionId` (its newest), so the message is otherwise ordinary. */
async function plant(db: Db, sessionId: string, word: string): Promise<string> {
  const [row] = await db.$queryRaw<{ id: string }[]>`
    UPDATE messages SET content = content || ' ' || ${word}
    WHERE id = (SELECT id FROM messages WHERE session_id = ${sessionId}::uuid ORDER BY seq DESC LIMIT 1)
    RETURNING id`;
  return row!.id;
}

export async function seedSearch(db: Db, options: { messages: number; noiseMessages: number }) {
  const started = performance.now();
  await db.$executeRawUnsafe(`SELECT setseed(0.42)`);
  const user = await ensureUserByEmail(db, "search-bench@example.com");
  const rooms: { id: string; sessions: string[] }[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const room = await createRoom(db, user.id, { name: `Room ${r + 1}`, goal: "", mode: "roundtable" });
    const sessions: string[] = [];
    for (let s = 0; s < SESSIONS_PER_ROOM; s++) sessions.push((await createSession(db, user.id, { roomId: room.id, title: `Session ${s + 1}` })).id);
    rooms.push({ id: room.id, sessions });
  }
  await insertMessages(db, rooms.flatMap((r) => r.sessions), options.messages);

  const noiseSessions: string[] = [];
  for (let u = 0; u < NOISE_USERS; u++) {
    const other = await ensureUserByEmail(db, `search-noise-${u}@example.com`);
    const room = await createRoom(db, other.id, { name: "Noise", goal: "", mode: "roundtable" });
    for (let s = 0; s < 5; s++) noiseSessions.push((await createSession(db, other.id, { roomId: room.id })).id);
  }
  await insertMessages(db, noiseSessions, options.noiseMessages);

  // Query i is asked "from" room i % 30 and its word lives three rooms away, in one session there.
  const planted: { word: string; messageId: string; roomId: string }[] = [];
  for (let i = 0; i < RARE_QUERIES; i++) {
    const room = rooms[(i + 3) % ROOMS]!;
    const word = rareWord(i);
    planted.push({ word, roomId: room.id, messageId: await plant(db, room.sessions[i % SESSIONS_PER_ROOM]!, word) });
    for (let n = 0; n < 3; n++) await plant(db, noiseSessions[(i * 3 + n) % noiseSessions.length]!, word);
  }
  // What autovacuum does soon after a bulk load: statistics and the visibility map.
  await db.$executeRawUnsafe(`VACUUM ANALYZE messages`);
  await db.$executeRawUnsafe(`VACUUM ANALYZE sessions`);
  const seed: SearchSeed = {
    messages: options.messages,
    noiseMessages: options.noiseMessages,
    rooms: ROOMS,
    sessions: ROOMS * SESSIONS_PER_ROOM,
    seedSeconds: (performance.now() - started) / 1000,
  };
  return { seed, userId: user.id, planted };
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function timing(query: string, matches: string, samples: number[]): SearchTiming {
  const sorted = [...samples].sort((a, b) => a - b);
  const row = { query, runs: sorted.length, matches, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1)! };
  console.log(`${query.padEnd(40)} p50 ${row.p50.toFixed(1)} ms  p95 ${row.p95.toFixed(1)} ms  max ${row.max.toFixed(1)} ms`);
  return row;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export async function benchSearch(db: Db, options: { messages?: number; noiseMessages?: number; runs?: number } = {}): Promise<SearchBench> {
  console.log("seeding messages…");
  const { seed, userId, planted } = await seedSearch(db, { messages: options.messages ?? 100_000, noiseMessages: options.noiseMessages ?? 20_000 });
  console.log(`seeded in ${seed.seedSeconds.toFixed(1)} s`);
  const search = (query: string) => searchSessions(db, userId, searchSessionsInput.parse({ query }));
  const runs = options.runs ?? 20;

  // Warm-up: the first calls load the index and the planner's statistics.
  for (let i = 0; i < 3; i++) await search("budget");
  let allFound = true;
  const rare: number[] = [];
  for (const p of planted) {
    const { ms, value } = await timed(() => search(p.word));
    rare.push(ms);
    const [hit] = value.items;
    if (value.items.length !== 1 || hit?.messageId !== p.messageId || hit.roomId !== p.roomId) {
      allFound = false;
      console.log(`not found as planted: ${p.word} (${value.items.length} results)`);
    }
  }
  const timings = [timing(`rare word, three rooms away (${planted.length} words)`, "1", rare)];

  for (const [query, label] of [
    ["budget", "common word"],
    ['"launch plan"', "phrase of two common words"],
  ] as const) {
    const [row] = await db.$queryRaw<{ count: number }[]>`
      SELECT count(*)::int AS count FROM messages m JOIN sessions s ON s.id = m.session_id
      WHERE m.tsv @@ websearch_to_tsquery('english', ${query}) AND s.user_id = ${userId}::uuid`;
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push((await timed(() => search(query))).ms);
    timings.push(timing(`${label}: ${query}`, (row?.count ?? 0).toLocaleString("en-US"), samples));
  }
  return { seed, timings, allFound };
}
