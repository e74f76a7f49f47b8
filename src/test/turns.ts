/**
 * Test helpers for the turn engine: a user with agents and a room on a test database, a started
 * pg-boss for sending (turns are enqueued through it, as in production), and a gateway on the
 * offline model with no delay (plus any extra providers a test brings, e.g. a fake OpenAI server).
 * `turnEngineForThisFile` sets the last two up (and the fake server) for a whole test file.
 */
import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll } from "vitest";
import type { Env } from "@/server/env.ts";
import type { Db } from "@/server/db.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { createAgent } from "@/server/domain/agents/agents.ts";
import { addAgentToRoom, createRoom } from "@/server/domain/rooms/rooms.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { sendTurn } from "@/server/domain/turns/send-turn.ts";
import { runTurn } from "@/server/domain/turns/run-turn.ts";
import { createBoss } from "@/server/jobs/boss.ts";
import { ensureQueues } from "@/server/jobs/queues.ts";
import { encryptSecret } from "@/server/crypto/secret-box.ts";
import { databaseGateway } from "@/server/domain/models/model-routes.ts";
import type { Gateway } from "@/server/llm/gateway.ts";
import type { TestDatabase } from "./database.ts";
import { startFakeOpenAI, type FakeOpenAI } from "./fake-openai.ts";

export async function startSenderBoss(url: string): Promise<PgBoss> {
  const boss = createBoss("web", url);
  await boss.start();
  await ensureQueues(boss);
  return boss;
}

/** The production gateway (routed by the database), with an offline model at `tokenDelayMs` and short waits. */
export function offlineGateway(db: Db, options: { tokenDelayMs?: number; timeoutMs?: number } = {}): Gateway {
  return databaseGateway(db, { localTokenMs: options.tokenDelayMs ?? 0, timeoutMs: options.timeoutMs ?? 5000, retryDelayMs: 10, defaultMaxOutputTokens: 256 });
}

/**
 * Points the OpenRouter provider the migrations create (aliases `llama`, `qwen`, `premium`…) at a
 * fake server, with a saved (sealed) key, as an owner would in the app.
 */
export async function useFakeOpenRouter(db: Db, baseURL: string): Promise<void> {
  await db.llmProvider.update({ where: { key: "openrouter" }, data: { baseUrl: baseURL, enabled: true, apiKeyCiphertext: encryptSecret("test-key"), apiKeyLast4: "-key" } });
}

export interface TurnEngine {
  /** A started pg-boss for sending. */
  readonly boss: PgBoss;
  /** The fake OpenAI server behind the gateway's `openrouter` provider. */
  readonly fake: FakeOpenAI;
  /** The database-routed gateway; the OpenRouter provider points at the fake server unless `fakeOpenAI: false`. */
  readonly gateway: Gateway;
  /** `{ db, boss, gateway }`, for `sendTurn`, `runTurn`, `sendAndRun`. */
  readonly deps: { db: Db; boss: PgBoss; gateway: Gateway };
}

/**
 * For one test file on `t` (from `databaseForThisFile()`, called first): starts a sender boss, a
 * fake OpenAI server (unless `fakeOpenAI: false`) and an offline gateway before its tests, and
 * stops them after. Read the getters inside hooks and tests (not at import time).
 */
export function turnEngineForThisFile(t: TestDatabase, options: { fakeOpenAI?: boolean } = {}): TurnEngine {
  const { fakeOpenAI = true } = options;
  let boss: PgBoss | undefined;
  let fake: FakeOpenAI | undefined;
  let gateway: Gateway | undefined;
  beforeAll(async () => {
    boss = await startSenderBoss(t.url);
    if (fakeOpenAI) {
      fake = await startFakeOpenAI();
      await useFakeOpenRouter(t.db, fake.baseURL);
    }
    gateway = offlineGateway(t.db);
  });
  afterAll(async () => {
    await fake?.close();
    await boss?.stop({ graceful: false });
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} exists only inside hooks and tests`);
    return value;
  };
  return {
    get boss() {
      return started(boss, "the sender boss");
    },
    get fake() {
      if (!fakeOpenAI) throw new Error("this file asked for no fake OpenAI server");
      return started(fake, "the fake OpenAI server");
    },
    get gateway() {
      return started(gateway, "the gateway");
    },
    get deps() {
      return { db: t.db, boss: this.boss, gateway: this.gateway };
    },
  };
}

export interface AgentSpec {
  key: string;
  name?: string;
  modelAlias?: string;
  rolePrompt?: string;
}

/** A user, their agents, a room in `mode` with those agents in order, and a session in it. */
export async function roomWorld(db: Db, mode: "manual" | "roundtable" | "orchestrator", agents: AgentSpec[]) {
  const user = await ensureUserByEmail(db, `u-${randomUUID()}@example.com`);
  const created = [];
  for (const a of agents) {
    created.push(
      await createAgent(db, user.id, {
        key: a.key,
        name: a.name ?? a.key,
        modelAlias: a.modelAlias ?? "local",
        rolePrompt: a.rolePrompt ?? `You are ${a.name ?? a.key}.`,
        toolPermissions: [],
      }),
    );
  }
  const room = await createRoom(db, user.id, { name: `Room ${mode}`, goal: "Decide the launch plan", mode });
  for (const agent of created) await addAgentToRoom(db, user.id, { roomId: room.id, agentId: agent.id });
  const session = await createSession(db, user.id, { roomId: room.id });
  return { user, agents: created, room, session };
}

/** Sends through the real send path and runs the turn in this process. */
export async function sendAndRun(deps: { db: Db; boss: PgBoss; gateway: Gateway; env?: Env }, userId: string, sessionId: string, message: string) {
  const turn = await sendTurn(deps, userId, { sessionId, message, clientRequestId: randomUUID() });
  await runTurn(deps, turn.id, new AbortController().signal);
  return deps.db.turn.findUniqueOrThrow({ where: { id: turn.id }, include: { steps: { orderBy: { index: "asc" } }, messages: { orderBy: { seq: "asc" } } } });
}
