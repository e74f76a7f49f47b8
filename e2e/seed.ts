/**
 * Rows written straight into the e2e database, for specs that need a room or a long conversation
 * as a starting point rather than as the thing they test.
 */
import { randomUUID } from "node:crypto";
import type { Sql } from "./fixtures.ts";

/**
 * A roundtable room of the user's named `name`, with these agents in roster order, each on the
 * OpenRouter `llama` alias (so they answer from whatever the `openRouterAt` fixture points it at).
 * Returns the room's id; the page is not opened.
 */
export async function roomWithAgents(sql: Sql, userId: string, name: string, agents: { key: string; name: string; role?: string }[]): Promise<string> {
  const roomId = randomUUID();
  await sql("INSERT INTO rooms (id, user_id, name, current_mode, updated_at) VALUES ($1, $2, $3, 'roundtable', now())", [roomId, userId, name]);
  for (const [i, agent] of agents.entries()) {
    const id = randomUUID();
    await sql("INSERT INTO agents (id, user_id, key, name, model_alias, role_prompt, updated_at) VALUES ($1, $2, $3, $4, 'llama', $5, now())", [id, userId, agent.key, agent.name, agent.role ?? ""]);
    await sql("INSERT INTO room_agents (room_id, agent_id, position) VALUES ($1, $2, $3)", [roomId, id, i + 1]);
  }
  return roomId;
}

/**
 * A long session in the room, written in three statements: `turns` completed roundtable turns
 * (yesterday, a second apart), each a question and one answer by `agent`. `question` and `answer`
 * are templates in which `{n}` is the turn's number. Returns the session's id.
 */
export async function seedLongSession(
  sql: Sql,
  userId: string,
  roomId: string,
  options: { turns: number; agent: { key: string; name: string }; question: string; answer: string },
): Promise<string> {
  const { turns, agent } = options;
  const sessionId = randomUUID();
  const roster = JSON.stringify({ roster: [{ id: randomUUID(), key: agent.key, name: agent.name, model: "llama", role: "" }], selected: [agent.key] });
  await sql("INSERT INTO sessions (id, user_id, room_id, last_seq, last_turn_index, updated_at) VALUES ($1, $2, $3, $4, $5, now())", [sessionId, userId, roomId, turns * 2, turns]);
  await sql(
    `INSERT INTO turns (id, session_id, user_id, index, mode, user_input, status, roster_snapshot, client_request_id, created_at, started_at, finished_at)
     SELECT gen_random_uuid(), $1::uuid, $2::uuid, i, 'roundtable', replace($5::text, '{n}', i::text), 'completed', $3::jsonb, 'seed-' || $1::text || '-' || i,
            now() - interval '1 day' + i * interval '1 second', now() - interval '1 day' + i * interval '1 second', now() - interval '1 day' + i * interval '1 second'
     FROM generate_series(1, $4::int) AS i`,
    [sessionId, userId, roster, turns, options.question],
  );
  await sql(
    `INSERT INTO turn_steps (id, turn_id, index, kind, agent_key, agent_name, model_alias, status, attempt, output, started_at, finished_at)
     SELECT gen_random_uuid(), t.id, 1, 'agent', $2, $3, 'llama', 'succeeded', 1, replace($4::text, '{n}', t.index::text), t.created_at, t.created_at
     FROM turns t WHERE t.session_id = $1`,
    [sessionId, agent.key, agent.name, options.answer],
  );
  await sql(
    `INSERT INTO messages (id, session_id, turn_id, step_id, seq, role, content, created_at)
     SELECT gen_random_uuid(), $1::uuid, t.id, NULL, t.index * 2 - 1, 'user'::message_role, t.user_input, t.created_at FROM turns t WHERE t.session_id = $1
     UNION ALL
     SELECT gen_random_uuid(), $1::uuid, t.id, s.id, t.index * 2, 'assistant'::message_role, s.output, t.created_at FROM turns t JOIN turn_steps s ON s.turn_id = t.id WHERE t.session_id = $1`,
    [sessionId],
  );
  return sessionId;
}
