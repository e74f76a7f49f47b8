/**
 * The `turn.run` job (PRODUCT.md 5.2): runs a queued turn in its mode, step by step, and ends it.
 * Safe to run again after a crash (StepRunner replays ended steps) and to cancel (the turn's watch
 * aborts the call in flight once the owner has asked; see turn-stop.ts).
 */
import type { PgBoss } from "pg-boss";
import type { Db } from "../../db.ts";
import { Decimal } from "decimal.js";
import type { Turn, TurnStep } from "@/generated/prisma/client.ts";
import { env as processEnv, type Env } from "../../env.ts";
import { isAppError } from "../../errors.ts";
import { toolDefinition, toolsFor } from "../../tools/registry.ts";
import { filesPrompt, type ListedFile } from "../tools/files-prompt.ts";
import type { StepToolbox } from "../tools/tool-calls.ts";
import type { Gateway } from "../../llm/gateway.ts";
import { loadCatalog, type Catalog } from "../models/catalog.ts";
import { chooseModel } from "../models/model-choice.ts";
import type { ManagerContract } from "../../llm/protocol.ts";
import { sendJob } from "../../jobs/queues.ts";
import { logger } from "../../logger.ts";
import { appendEventsInTx, type AgentRef } from "../../realtime/turn-events.ts";
import { isLowBalance } from "../metering/formula.ts";
import { getSettings, type Settings } from "../settings/settings.ts";
import { assembleContext, contextBudget, historyTokens, SUMMARY_THRESHOLD, type HistoryMessage, type RosterEntry } from "./context.ts";
import {
  evaluationCall,
  MANAGER_MAX_OUTPUT_TOKENS,
  MANAGER_ROLE,
  parseEvaluation,
  parseRouting,
  routingCall,
  SYNTHESIS_INSTRUCTIONS,
  type Covered,
} from "./manager-prompts.ts";
import { historyFilter } from "./message-actions.ts";
import { scheduleTitle } from "../sessions/title.ts";
import { StepRunner, type StepOutcome, type StepSpec } from "./step-runner.ts";
import { parseJsonColumn, rosterSnapshot, turnMetadata, type StepMetadata } from "./turn-json.ts";
import { finalTurnStatus, isTurnFinished, turnSourcesOf, type TurnStatus } from "./turn-machine.ts";
import { TurnStop, TurnWatch } from "./turn-stop.ts";

export interface RunDeps {
  db: Db;
  gateway: Gateway;
  /** Where tools find their configuration (search providers); the process's env by default. */
  env?: Env;
  /** For the follow-up summary job; without it no summary is scheduled (unit tests of one turn). */
  boss?: PgBoss;
}

const log = logger.child({ component: "turn" });

/** Everything a turn's calls need, loaded once. */
interface TurnScope {
  turn: Turn;
  settings: Settings;
  room: { name: string; goal: string } | null;
  roster: RosterEntry[];
  selected: RosterEntry[];
  summary: string | null;
  history: HistoryMessage[];
  runner: StepRunner;
  /** The models as the turn started (context windows). */
  catalog: Catalog;
  /** The manager model the turn was sent with. */
  managerModel: string;
  env: Env;
  /** The room's (or direct session's) ready files, for agents with file tools. */
  files: ListedFile[];
}

/**
 * Runs the turn under `jobSignal` (the job's; its abort reason says why, see turn-stop.ts). A stop
 * that ends the turn (the owner's cancel) ends it here; any other stop is thrown, so the job's
 * next attempt resumes the turn.
 */
export async function runTurn(deps: RunDeps, turnId: string, jobSignal: AbortSignal): Promise<TurnStatus> {
  const { db } = deps;
  const loaded = await db.turn.findUnique({ where: { id: turnId }, include: { steps: true, session: { select: { id: true, roomId: true } } } });
  if (!loaded) {
    log.warn({ turnId }, "turn.run for a turn that no longer exists");
    return "failed";
  }
  if (isTurnFinished(loaded.status)) return loaded.status;
  const turn = loaded.status === "queued" ? await markRunning(db, loaded) : loaded;
  // Not started: cancelled while queued, or ended meanwhile.
  if (!turn) return (await db.turn.findUniqueOrThrow({ where: { id: turnId } })).status;

  const watch = new TurnWatch(db, turn.id, jobSignal).seen(loaded.cancelRequestedAt).start();
  try {
    const scope = await loadScope(deps, turn, loaded.steps, loaded.session, watch);
    const { status, answers } = await runPlan(scope);
    await finish(db, turn, status, scope.settings);
    if (deps.boss) await scheduleSummary({ ...deps, boss: deps.boss }, scope, answers).catch((err: unknown) => log.warn({ err, turnId }, "could not schedule a summary"));
    // The session's first turn names it (sessions/title.ts); a failure never fails the turn.
    if (deps.boss) await scheduleTitle(deps.boss, turn, status, scope.settings).catch((err: unknown) => log.warn({ err, turnId }, "could not schedule a title"));
    return status;
  } catch (error) {
    if (error instanceof TurnStop && error.endsTurn) return finishCancelled(db, turn);
    if (isAppError(error) && (error.code === "insufficient_credits" || error.code === "user_cap_reached")) return finishOutOfCredits(db, turn, await getSettings(db), error.code);
    throw error;
  } finally {
    watch.stop();
  }
}

/** The turn's steps in its mode; the status it ends with, judged on its answers (agents and synthesis). */
async function runPlan(scope: TurnScope): Promise<{ status: "completed" | "partial" | "failed"; answers: StepOutcome[] }> {
  const { mode } = scope.turn;
  const answers: StepOutcome[] = [];
  // A retry (message-actions.ts) runs only its one agent, whatever the mode.
  if (mode === "orchestrator" && scope.turn.action !== "retry") answers.push(...(await runOrchestrator(scope)));
  else {
    for (const agent of scope.selected) {
      // Manual mode: tagged agents do not see each other's same-turn output.
      answers.push(await runAgent(scope, agent, 1, sameTurnOutputs(mode === "manual" ? [] : answers)));
    }
  }
  return { status: finalTurnStatus(mode, answers.map((o) => o.status)), answers };
}

async function markRunning(db: Db, turn: Turn): Promise<Turn | null> {
  return db.$transaction(async (tx) => {
    const [running] = await tx.$queryRaw<{ started_at: Date }[]>`
      UPDATE turns SET status = 'running', started_at = now() WHERE id = ${turn.id}::uuid
        AND status::text = ANY(${turnSourcesOf("running")}::text[]) AND cancel_requested_at IS NULL
      RETURNING started_at`;
    if (!running) return null;
    const { roster } = rosterSnapshot.parse(turn.rosterSnapshot);
    await appendEventsInTx(tx, turn.sessionId, [
      { type: "turn_started", turnId: turn.id, mode: turn.mode, roster: roster.map(({ id, key, name, model }) => ({ id, key, name, model })) },
    ]);
    return { ...turn, status: "running" as const, startedAt: running.started_at };
  });
}

async function loadScope(deps: RunDeps, turn: Turn, steps: TurnStep[], session: { id: string; roomId: string | null }, watch: TurnWatch): Promise<TurnScope> {
  const { db } = deps;
  // The plan's settings as they were at send (see send-turn.ts), the rest as they are now.
  const settings: Settings = { ...(await getSettings(db)), ...parseJsonColumn(turnMetadata, turn.metadata, {}).settings };
  const snapshot = rosterSnapshot.parse(turn.rosterSnapshot);
  const [catalog, room, summary] = await Promise.all([
    loadCatalog(db),
    session.roomId ? db.room.findUnique({ where: { id: session.roomId }, select: { name: true, goal: true } }) : null,
    db.sessionSummary.findFirst({ where: { sessionId: session.id }, orderBy: { throughSeq: "desc" }, select: { text: true, throughSeq: true } }),
  ]);
  const all = await db.message.findMany({
    where: { sessionId: session.id, seq: { gt: summary?.throughSeq ?? 0n }, NOT: { turnId: turn.id } },
    orderBy: { seq: "asc" },
    select: { seq: true, role: true, agentKey: true, agentName: true, content: true, visibility: true, turnId: true },
  });
  // Messages replaced by a regenerate or an edit, and a retried question, are left out.
  const rows = all.filter(await historyFilter(db, turn));
  const readsFiles = snapshot.roster.some((a) => a.tools?.includes("file_read"));
  const files = readsFiles
    ? await db.file.findMany({
        where: { userId: turn.userId, status: "ready", deletedAt: null, ...(session.roomId ? { roomId: session.roomId } : { sessionId: session.id }) },
        orderBy: { createdAt: "asc" },
        select: { id: true, name: true, kind: true, pages: true },
      })
    : [];
  return {
    turn,
    settings,
    room,
    roster: snapshot.roster,
    selected: snapshot.selected.flatMap((key) => snapshot.roster.find((a) => a.key === key) ?? []),
    summary: summary?.text ?? null,
    history: rows,
    catalog,
    // Fixed at send; a turn sent before it was recorded takes today's choice.
    managerModel: settings["orchestrator.manager_model"] ?? chooseModel(catalog, settings, "manager").alias,
    env: deps.env ?? processEnv,
    files,
    runner: new StepRunner({
      deps,
      turn: { id: turn.id, sessionId: turn.sessionId, userId: turn.userId, roomId: session.roomId, mode: turn.mode, settings },
      steps,
      watch,
    }),
  };
}

/** History as `speaker` may see it: shared messages, and only its own private ones. */
function visibleHistory(scope: TurnScope, speakerKey: string | null): HistoryMessage[] {
  return scope.history.filter((m) => m.visibility === "shared" || m.agentKey === speakerKey);
}

function sameTurnOutputs(outcomes: StepOutcome[]) {
  return outcomes.filter((o) => o.status === "succeeded").map((o) => ({ agentName: o.agent.name, content: o.output }));
}

function agentRef(agent: RosterEntry): AgentRef {
  return { id: agent.id, key: agent.key, name: agent.name, model: agent.model };
}

/**
 * The tools an agent's step may use (PRODUCT.md 8): its permissions as they were when the turn was
 * sent, limited to what runs on this server. None for a model without function calling.
 */
function toolboxOf(scope: TurnScope, agent: RosterEntry, inputBudget: number): StepSpec["tools"] {
  const offered = scope.catalog.get(agent.model)?.capabilities.includes("tools") ? toolsFor(agent.tools ?? [], scope.env) : [];
  const toolbox: StepToolbox = {
    offered,
    env: scope.env,
    settings: scope.settings,
    maxCalls: scope.settings["tools.max_calls_per_step"],
    resultMaxTokens: scope.settings["tools.result_max_tokens"],
    inputBudget,
  };
  // Even with nothing offered, the loop is there to refuse a tool the model asks for anyway.
  return { toolbox, definitions: offered.map(toolDefinition) };
}

function runAgent(scope: TurnScope, agent: RosterEntry, round: number, sameTurn: { agentName: string; content: string }[]): Promise<StepOutcome> {
  const maxOutputTokens = scope.settings["turns.max_output_tokens"];
  const budget = contextBudget(scope.catalog.get(agent.model)?.contextWindow, maxOutputTokens);
  const tools = toolboxOf(scope, agent, budget.input);
  const readsFiles = tools?.toolbox.offered.some((t) => t.permission === "file_read");
  return scope.runner.run({
    kind: "agent",
    agent: agentRef(agent),
    round,
    maxOutputTokens,
    message: { agentKey: agent.key, agentName: agent.name },
    tools,
    messages: () =>
      assembleContext(
        {
          speaker: { key: agent.key, name: agent.name, rolePrompt: agent.role },
          mode: scope.turn.mode,
          room: scope.room,
          roster: scope.turn.mode === "direct" ? [] : scope.roster,
          summary: scope.summary,
          history: visibleHistory(scope, agent.key),
          userMessage: scope.turn.userInput,
          sameTurn,
          instructions: readsFiles ? filesPrompt(scope.files) : undefined,
        },
        budget,
      ).messages,
  });
}

/** A call by the manager model (routing, evaluation, synthesis): the user's message plus what is covered. */
function managerCall(
  scope: TurnScope,
  call: {
    kind: "manager_route" | "manager_evaluate" | "synthesis";
    round: number;
    instructions: string;
    covered: StepOutcome[];
    metadata?: StepMetadata;
    describe?: StepSpec["describe"];
    /** What the manager is asked for, as data (routing, evaluation); see llm/protocol.ts. */
    contract?: ManagerContract;
  },
) {
  const model = scope.managerModel;
  const synthesis = call.kind === "synthesis";
  const maxOutputTokens = synthesis ? scope.settings["turns.max_output_tokens"] : MANAGER_MAX_OUTPUT_TOKENS;
  return scope.runner.run({
    kind: call.kind,
    agent: { id: null, key: null, name: synthesis ? "Synthesis" : "Manager", model },
    round: call.round,
    maxOutputTokens,
    metadata: call.metadata,
    describe: call.describe,
    contract: call.contract,
    message: synthesis ? { agentKey: null, agentName: "Synthesis" } : undefined,
    messages: () =>
      assembleContext(
        {
          speaker: { key: null, name: "Manager", rolePrompt: MANAGER_ROLE },
          mode: scope.turn.mode,
          room: scope.room,
          // The routing prompt lists the specialists itself.
          roster: [],
          summary: scope.summary,
          history: visibleHistory(scope, null),
          userMessage: scope.turn.userInput,
          sameTurn: sameTurnOutputs(call.covered),
          instructions: call.instructions,
        },
        contextBudget(scope.catalog.get(model)?.contextWindow, maxOutputTokens),
      ).messages,
  });
}

/**
 * Up to `max_rounds` rounds of route → specialists → evaluate, at most `max_invocations`
 * specialist calls, then a synthesis of the successful answers (skipped when none succeeded).
 */
async function runOrchestrator(scope: TurnScope): Promise<StepOutcome[]> {
  const maxRounds = scope.settings["orchestrator.max_rounds"];
  const maxInvocations = scope.settings["orchestrator.max_invocations"];
  const specialists: StepOutcome[] = [];
  const covered = (): Covered[] =>
    specialists.filter((o) => o.status === "succeeded").map((o) => ({ agentKey: o.agent.key!, agentName: o.agent.name }));

  for (let round = 1; round <= maxRounds; round++) {
    const remaining = maxInvocations - specialists.length;
    if (remaining <= 0) break;
    const keys = await route(scope, round, remaining, specialists, covered());
    // Specialists see the earlier rounds' answers, not each other's within a round.
    const visible = sameTurnOutputs(specialists);
    for (const key of keys.slice(0, remaining)) {
      specialists.push(await runAgent(scope, scope.roster.find((a) => a.key === key)!, round, visible));
    }
    if (round === maxRounds || specialists.length >= maxInvocations) break;
    const evaluation = await managerCall(scope, {
      ...evaluationCall({ round, maxRounds, roster: scope.roster, covered: covered() }),
      kind: "manager_evaluate",
      round,
      covered: specialists,
      describe: ({ status, output }) => {
        const verdict = status === "succeeded" ? parseEvaluation(output) : { ok: false as const };
        // An answer that is not valid JSON ends the rounds: the synthesis works with what there is.
        return verdict.ok ? { continue: verdict.continue } : { continue: false, invalid: true };
      },
    });
    if (!evaluation.metadata.continue) break;
  }

  const succeeded = specialists.filter((o) => o.status === "succeeded");
  // Every specialist failed: nothing to integrate (PRODUCT.md 5.2), and the turn ends partial.
  if (succeeded.length === 0) return specialists;
  const lastRound = Math.max(...specialists.map((o) => o.round));
  return [...specialists, await managerCall(scope, { kind: "synthesis", round: lastRound, instructions: SYNTHESIS_INSTRUCTIONS, covered: succeeded })];
}

/** The manager's routing for one round: invalid output is retried once, then the first roster agent runs. */
async function route(scope: TurnScope, round: number, remaining: number, specialists: StepOutcome[], covered: Covered[]): Promise<string[]> {
  const manager = routingCall({ round, maxRounds: scope.settings["orchestrator.max_rounds"], roster: scope.roster, covered, remainingInvocations: remaining });
  const fallback = [scope.roster[0]!.key];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const step = await managerCall(scope, {
      ...manager,
      kind: "manager_route",
      round,
      covered: specialists,
      metadata: attempt > 1 ? { retryOfInvalidRouting: true } : {},
      describe: ({ status, output }) => {
        const parsed = status === "succeeded" ? parseRouting(output, scope.roster) : ({ ok: false, reason: "the routing call failed" } as const);
        if (parsed.ok) return { routedTo: parsed.keys, unknownKeys: parsed.unknown };
        return attempt === 2 ? { invalid: parsed.reason, fallback: true, routedTo: fallback } : { invalid: parsed.reason };
      },
    });
    const { routedTo } = step.metadata;
    if (routedTo) {
      if (step.metadata.fallback) log.info({ turnId: scope.turn.id, round, reason: step.metadata.invalid }, "routing invalid twice; falling back to the first roster agent");
      return routedTo;
    }
  }
  return fallback;
}

/**
 * Ends the turn with its event, if it may still move to `status`. `turn_completed` carries what the
 * turn cost and the wallet after it, read in the same statement that ends the turn.
 */
async function finish(db: Db, turn: Turn, status: "completed" | "partial" | "failed", settings: Settings, error?: { code: string; message: string }) {
  const failure = status === "failed" ? (error ?? { code: "all_steps_failed", message: "Every agent's call failed; see the steps for why." }) : error;
  await db.$transaction(async (tx) => {
    const [ended] = await tx.$queryRaw<{ credits: string | null; balance: string | null }[]>`
      UPDATE turns SET status = ${status}::turn_status, finished_at = now(),
        error_code = COALESCE(${failure?.code ?? null}, error_code), error_message = COALESCE(${failure?.message ?? null}, error_message)
      WHERE id = ${turn.id}::uuid AND status::text = ANY(${turnSourcesOf(status)}::text[])
      RETURNING ((SELECT sum(credits_burned) FROM llm_call_events WHERE turn_id = ${turn.id}::uuid)
        + (SELECT COALESCE(sum(credits), 0) FROM tool_call_events WHERE turn_id = ${turn.id}::uuid))::text AS credits,
                (SELECT balance::text FROM credit_wallets WHERE user_id = ${turn.userId}::uuid) AS balance`;
    if (!ended) return;
    const balance = ended.balance;
    await appendEventsInTx(tx, turn.sessionId, [
      status === "failed"
        ? { type: "turn_failed", turnId: turn.id, ...failure! }
        : {
            type: "turn_completed",
            turnId: turn.id,
            status,
            credits: new Decimal(ended.credits ?? 0).toString(),
            balanceAfter: balance,
            lowBalance: balance !== null && isLowBalance(balance, settings["credits.low_balance_threshold"]),
          },
    ]);
  });
}

/**
 * The wallet could not cover the next call (PRODUCT.md 7.4), or it would pass the user's credit cap
 * (PRODUCT.md 9): no further step starts, and the turn ends `partial` with `insufficient_credits`
 * or `user_cap_reached` (`failed` if no answer had been written yet).
 */
async function finishOutOfCredits(db: Db, turn: Turn, settings: Settings, code: "insufficient_credits" | "user_cap_reached" = "insufficient_credits"): Promise<TurnStatus> {
  const capped = code === "user_cap_reached";
  const answered = await db.turnStep.count({ where: { turnId: turn.id, kind: { in: ["agent", "synthesis"] }, status: "succeeded" } });
  const status = answered > 0 ? "partial" : "failed";
  // A step whose earlier attempt died and could not be restarted for lack of credits.
  await db.turnStep.updateMany({
    where: { turnId: turn.id, status: { in: ["pending", "running"] } },
    data: { status: "failed", errorCode: code, errorMessage: capped ? "This step would pass your credit cap." : "Not enough credits to run this step.", finishedAt: new Date() },
  });
  await finish(db, turn, status, settings, { code, message: capped ? "Your credit cap was reached before every step could run." : "The credits ran out before every step could run." });
  return status;
}

/** Ends a cancelled turn: steps that had not ended are cancelled too. */
export async function finishCancelled(db: Db, turn: Pick<Turn, "id" | "sessionId">): Promise<TurnStatus> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.turn.updateMany({ where: { id: turn.id, status: { in: turnSourcesOf("cancelled") } }, data: { status: "cancelled", finishedAt: new Date() } });
    if (count === 0) return;
    await tx.turnStep.updateMany({ where: { turnId: turn.id, status: { in: ["pending", "running"] } }, data: { status: "cancelled", finishedAt: new Date() } });
    await appendEventsInTx(tx, turn.sessionId, [{ type: "turn_cancelled", turnId: turn.id }]);
  });
  return "cancelled";
}

/** Ends a turn that could not run at all (its job gave up after its retries). */
export async function failTurn(db: Db, turnId: string, code: string, message: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const turn = await tx.turn.findUnique({ where: { id: turnId } });
    if (!turn) return;
    const { count } = await tx.turn.updateMany({ where: { id: turnId, status: { in: turnSourcesOf("failed") } }, data: { status: "failed", errorCode: code, errorMessage: message, finishedAt: new Date() } });
    if (count === 0) return;
    await tx.turnStep.updateMany({ where: { turnId, status: { in: ["pending", "running"] } }, data: { status: "failed", errorCode: code, errorMessage: message, finishedAt: new Date() } });
    await appendEventsInTx(tx, turn.sessionId, [{ type: "turn_failed", turnId, code, message }]);
  });
}

/**
 * PRODUCT.md 5.2: summarize at ≥70% of the smallest budget on the roster, or every
 * `summary.every_turns` turns since the last summary. The history is the one the turn ran with
 * (everything after the summary it read) plus this turn's own messages.
 */
async function scheduleSummary(deps: RunDeps & { boss: PgBoss }, scope: TurnScope, answers: StepOutcome[]) {
  const { db } = deps;
  const sessionId = scope.turn.sessionId;
  const [row] = await db.$queryRaw<{ turns_since: number }[]>`
    SELECT count(*)::int AS turns_since FROM turns
    WHERE session_id = ${sessionId}::uuid
      AND created_at > COALESCE((SELECT created_at FROM session_summaries WHERE session_id = ${sessionId}::uuid ORDER BY through_seq DESC LIMIT 1), '-infinity')`;
  const history: HistoryMessage[] = [
    ...scope.history,
    { seq: 0n, role: "user", agentKey: null, agentName: null, content: scope.turn.userInput, visibility: "shared" },
    ...answers.filter((o) => o.status === "succeeded").map((o) => ({ seq: 0n, role: "assistant" as const, agentKey: o.agent.key, agentName: o.agent.name, content: o.output, visibility: "shared" as const })),
  ];
  const maxOutput = scope.settings["turns.max_output_tokens"];
  const crowded = () =>
    scope.roster.some((a) => {
      const budget = contextBudget(scope.catalog.get(a.model)?.contextWindow, maxOutput);
      return historyTokens({ history, speaker: { key: a.key, name: a.name, rolePrompt: a.role } }) >= budget.input * SUMMARY_THRESHOLD;
    });
  if ((row?.turns_since ?? 0) < scope.settings["summary.every_turns"] && !crowded()) return;
  await sendJob(deps.boss, "sessionSummarize", { sessionId, turnId: scope.turn.id }, { singletonKey: sessionId });
}
