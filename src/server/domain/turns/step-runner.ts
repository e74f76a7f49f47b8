/**
 * Runs the steps of one turn, each one LLM call, persisted as it goes (PRODUCT.md 5.2):
 * `pending → running → succeeded | failed | cancelled`. Steps are numbered in the order the turn's
 * plan asks for them, so a resumed turn (after a worker crash) replays its plan and gets back every
 * step that already ended — never running or billing it twice. A step found `running` was
 * interrupted: it restarts as a new attempt, and only the attempt that holds the row may finish it.
 * A call that fails transiently, or whose provider is down, is tried again as the step's next attempt
 * (on the same model, or on its fallback): each attempt is one HTTP request and one ledger row.
 *
 * An agent step with tools runs the tool loop (PRODUCT.md 8): model → tool calls → results → model,
 * each model call the step's next attempt (so its own ledger row), each tool call a
 * `tool_call_events` row (domain/tools/tool-calls.ts). A resumed step rebuilds its loop from those
 * rows: finished tool calls are replayed, never run again.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Decimal } from "decimal.js";
import type { Db } from "../../db.ts";
import type { Prisma, ToolCallEvent, TurnStep } from "@/generated/prisma/client.ts";
import type { Gateway, RoutedModel } from "../../llm/gateway.ts";
import { errorCodeOf, nextAttempt } from "../../llm/retry-policy.ts";
import type { ManagerContract } from "../../llm/protocol.ts";
import { countMessageTokens, countTextTokens } from "../../llm/tokenizer.ts";
import { LlmError, type ChatMessage, type ToolCallRequest, type ToolDefinition } from "../../llm/types.ts";
import { logger } from "../../logger.ts";
import { appendEvents, appendEventsInTx, type AgentRef } from "../../realtime/turn-events.ts";
import { planAllowsModel, planForUser } from "../billing/plans.ts";
import { attributionOf, settleLostCall } from "../metering/lost-calls.ts";
import { idempotencyKey, priceCall, reserveCall, settleCall, type CallAttribution, type CallStatus, type Pricing } from "../metering/meter.ts";
import { appendMessage } from "../sessions/session-counters.ts";
import {
  endToolCall,
  MIN_RESULT_TOKENS,
  recordToolRequests,
  resultAllowance,
  resumeToolLoop,
  runToolCall,
  toolMessage,
  traceOf,
  type StepToolbox,
  type ToolCallOwner,
} from "../tools/tool-calls.ts";
import type { Settings } from "../settings/settings.ts";
import { parseJsonColumn, stepMetadata, type StepMetadata } from "./turn-json.ts";
import { isStepFinished, stepSourcesOf, type StepStatus } from "./turn-machine.ts";
import { TurnStop, type TurnWatch } from "./turn-stop.ts";

type Tx = Prisma.TransactionClient;

/** Deltas are written as events at most this often (PRODUCT.md 6 allows coalescing ≤ 50 ms). */
const DELTA_COALESCE_MS = 50;

export type StepKind = TurnStep["kind"];

export interface StepSpec {
  kind: StepKind;
  agent: AgentRef;
  round: number;
  maxOutputTokens: number;
  /** Built only when the step really runs (a replayed step needs no context). */
  messages: () => ChatMessage[];
  /** A manager call's JSON contract, passed to the gateway with the messages. */
  contract?: ManagerContract;
  /** Facts with no column of their own, known before the call (see turn-json.ts). */
  metadata?: StepMetadata;
  /** Facts drawn from the step's result (e.g. whom the manager routed to), saved in its metadata
   * in the same transaction that ends it, so they are there for anyone told the step ended. */
  describe?: (end: { status: StepOutcome["status"]; output: string }) => StepMetadata;
  /** When set, a successful step's output becomes a timeline message with this author. */
  message?: { agentKey: string | null; agentName: string; visibility?: "shared" | "private" };
  /** The tools the step may use, with their definitions as the model is offered them. */
  tools?: { toolbox: StepToolbox; definitions: ToolDefinition[] };
}

export interface StepOutcome {
  id: string;
  index: number;
  status: Extract<StepStatus, "succeeded" | "failed" | "cancelled">;
  output: string;
  agent: AgentRef;
  round: number;
  metadata: StepMetadata;
}

function callStatusOf(status: StepOutcome["status"], errorCode: string | undefined): CallStatus {
  if (status === "succeeded") return "success";
  if (status === "cancelled") return "cancelled";
  return errorCode === "timeout" ? "timeout" : errorCode === "rate_limited" ? "rate_limited" : "error";
}

/** The turn a runner's steps belong to, and whom they are billed to. */
export interface RunnerTurn {
  id: string;
  sessionId: string;
  userId: string;
  roomId: string | null;
  mode: string;
  /** The settings that decide how calls are billed (enforcement). */
  settings: Settings;
}

/** The model an attempt calls: the step's own, or its fallback after the step's model failed. */
interface Target {
  model: RoutedModel;
  /** The alias the step was meant for, when this is its fallback. */
  fallbackFrom: string | null;
  triesOnModel: number;
}

/** The step's metadata while an attempt runs: the spec's, and the model it was meant for on a fallback. */
function attemptMetadata(spec: StepSpec, target: Target): StepMetadata {
  return { ...spec.metadata, ...(target.fallbackFrom ? { fallbackFrom: target.fallbackFrom } : {}) };
}

/** A running attempt, with the pricing its call was reserved at (the settlement bills at it). */
type Started = TurnStep & { pricing: Pricing; target: Target };

/** A step's tool loop so far: the rounds the model has seen, and how many calls they used. */
interface Loop {
  transcript: ChatMessage[];
  rows: ToolCallEvent[];
  used: number;
  /** Model calls this run of the step made that asked for tools. */
  rounds: number;
  /** What the model said in those calls besides asking ("Let me look that up."): part of its answer. */
  said: string[];
}

/** Model calls a step may make beyond its tool calls: the first, and one to answer after a refusal. */
const EXTRA_MODEL_CALLS = 2;

interface StepEnd {
  status: StepOutcome["status"];
  output: string;
  usage: { inputTokens: number; cachedTokens: number; outputTokens: number; source: string };
  latencyMs: number | null;
  ttftMs: number | null;
  requestId?: string | null;
  error: { code: string; message: string } | null;
}

export class StepRunner {
  private readonly deps: { db: Db; gateway: Gateway };
  private readonly turn: RunnerTurn;
  private readonly existing: Map<number, TurnStep>;
  private readonly watch: TurnWatch;
  private nextIndex: number;

  constructor(options: {
    deps: { db: Db; gateway: Gateway };
    turn: RunnerTurn;
    /** The turn's steps so far (a resumed turn replays the ones that ended). */
    steps: TurnStep[];
    /** Why the turn would stop: the owner's cancel, or the job being taken away. */
    watch: TurnWatch;
    /** Where numbering starts: a summary step is appended after a finished turn's steps. */
    startIndex?: number;
  }) {
    this.deps = options.deps;
    this.turn = options.turn;
    this.watch = options.watch;
    this.existing = new Map(options.steps.map((s) => [s.index, s]));
    this.nextIndex = options.startIndex ?? 0;
  }

  async run(spec: StepSpec): Promise<StepOutcome> {
    const index = ++this.nextIndex;
    const found = this.existing.get(index);
    if (found && isStepFinished(found.status)) {
      if (found.kind !== spec.kind) throw new Error(`turn ${this.turn.id} step ${index} replayed as ${spec.kind} but was ${found.kind}`);
      return {
        id: found.id,
        index,
        status: found.status as StepOutcome["status"],
        output: found.output,
        agent: { id: found.agentId, key: found.agentKey, name: found.agentName ?? spec.agent.name, model: found.modelAlias },
        round: found.round,
        metadata: parseJsonColumn(stepMetadata, found.metadata, {}),
      };
    }
    // A step found running lost its worker mid-call: that call (which reached the provider) gets its
    // worker_lost ledger row and its reservation is released, whether the turn goes on or stops.
    if (found?.status === "running") await this.settleLostAttempt(found);
    const stop = await this.watch.check();
    if (stop) throw new TurnStop(stop);

    const messages = spec.messages();
    let target: Target = { model: await this.deps.gateway.route(spec.agent.model), fallbackFrom: null, triesOnModel: 1 };
    let step = await this.start(index, spec, { found, inputTokens: countMessageTokens(messages), target });
    const loop: Loop = { transcript: [], rows: [], used: 0, rounds: 0, said: [] };
    // A resumed step goes on from its tool calls so far (none for a step that never asked for one).
    if (found) Object.assign(loop, await this.resumeLoop(step, spec));
    let context = [...messages, ...loop.transcript];
    let inputTokens = countMessageTokens(context);
    // One attempt per pass: each is its own ledger row (PRODUCT.md 13); retry-policy.ts decides
    // whether a failed one is tried again, or handed to the model's fallback.
    for (;;) {
      const deltas = new DeltaWriter(this.deps.db, this.turn.sessionId, this.turn.id, step.id);
      let streamed = false;
      try {
        const result = await this.deps.gateway.callModel(target.model, {
          messages: context,
          maxOutputTokens: spec.maxOutputTokens,
          contract: spec.contract,
          tools: this.toolsToOffer(spec, loop, inputTokens),
          signal: this.watch.signal,
          onDelta: (text) => {
            streamed = true;
            deltas.push(text);
          },
        });
        await deltas.flush();
        const end: StepEnd = {
          status: "succeeded",
          output: result.text,
          usage: result.usage,
          latencyMs: result.latencyMs,
          ttftMs: result.ttftMs,
          requestId: result.requestId,
          error: null,
        };
        if (result.toolCalls.length > 0 && loop.rounds < (spec.tools?.toolbox.maxCalls ?? 0) + EXTRA_MODEL_CALLS) {
          step = await this.toolRound(step, spec, end, result.toolCalls, loop);
          context = [...messages, ...loop.transcript];
          inputTokens = countMessageTokens(context);
          step = await this.nextCall(step, spec, inputTokens);
          target = { ...target, triesOnModel: 1 };
          continue;
        }
        if (result.toolCalls.length > 0 && !result.text.trim()) {
          // Still asking for tools at the end of its allowance, with nothing to say.
          return await this.finish(step, spec, { ...end, status: "failed", error: { code: "no_answer", message: "The model kept asking for tools and gave no answer." } }, loop);
        }
        // The answer is all the model said in this step, not only its last call.
        return await this.finish(step, spec, { ...end, output: [...loop.said, end.output].filter((t) => t.trim()).join("\n\n") }, loop);
      } catch (caught) {
        await deltas.flush();
        if (caught instanceof TurnStop) throw caught;
        const error = caught instanceof LlmError ? caught : null;
        if (!error) throw caught;
        // An attempt that never reached a model costs nothing; any other is billed for its input.
        const usage =
          error.kind === "unavailable"
            ? { inputTokens: 0, cachedTokens: 0, outputTokens: 0, source: "estimated" }
            : { inputTokens, cachedTokens: 0, outputTokens: countTextTokens(error.partialText), source: "estimated" };
        if (error.kind === "cancelled") {
          const stop = new TurnStop(this.watch.reason ?? "job_expired");
          // Only the owner's cancel ends the step; a worker stopping or losing the job leaves it
          // running for the job's next attempt, which settles it as lost and runs it again.
          if (stop.endsTurn) {
            await this.finish(step, spec, { status: "cancelled", output: error.partialText, usage, latencyMs: null, ttftMs: null, error: { code: "cancelled", message: error.message } }, loop);
          }
          throw stop;
        }
        const end: StepEnd = { status: "failed", output: error.partialText, usage, latencyMs: null, ttftMs: null, error: { code: errorCodeOf(error), message: error.message } };
        const next = nextAttempt(error, { triesOnModel: target.triesOnModel, streamed, fallbackAlias: await this.fallbackInPlan(target.model.fallbackAlias), onFallback: target.fallbackFrom !== null });
        if (!next) return await this.finish(step, spec, end, loop);
        if (next.kind === "retry") {
          await sleep(this.deps.gateway.retryDelayMs, undefined, { signal: this.watch.signal }).catch(() => undefined);
          // Stopped while waiting: no new attempt (it would be billed for a call never made).
          if (this.watch.signal.aborted) {
            const stop = new TurnStop(this.watch.reason ?? "job_expired");
            if (stop.endsTurn) await this.finish(step, spec, { ...end, status: "cancelled", error: { code: "cancelled", message: "The call was cancelled." } }, loop);
            throw stop;
          }
          target = { ...target, triesOnModel: target.triesOnModel + 1 };
        } else {
          target = { model: await this.deps.gateway.route(next.alias), fallbackFrom: spec.agent.model, triesOnModel: 1 };
        }
        step = await this.start(index, spec, { found: step, inputTokens, target, previous: { step, end } });
      }
    }
  }

  private toolOwner(step: Pick<TurnStep, "id" | "index">): ToolCallOwner {
    return { turnId: this.turn.id, sessionId: this.turn.sessionId, userId: this.turn.userId, roomId: this.turn.roomId, stepId: step.id, stepIndex: step.index };
  }

  /** The tools to offer this call: none past the step's limit, or when a result would no longer fit. */
  private toolsToOffer(spec: StepSpec, loop: Loop, inputTokens: number): ToolDefinition[] | undefined {
    if (!spec.tools || spec.tools.definitions.length === 0) return undefined;
    const { toolbox } = spec.tools;
    if (loop.used >= toolbox.maxCalls || resultAllowance(toolbox, inputTokens) < MIN_RESULT_TOKENS) return undefined;
    return spec.tools.definitions;
  }

  private resumeLoop(step: Started, spec: StepSpec): Promise<Omit<Loop, "rounds" | "said">> {
    return this.stoppable(step, spec, () =>
      resumeToolLoop(this.deps, this.toolOwner(step), spec.tools?.toolbox ?? null, {
        signal: this.watch.signal,
        maxResultTokens: spec.tools ? spec.tools.toolbox.resultMaxTokens : MIN_RESULT_TOKENS,
      }),
    );
  }

  /**
   * A model call that asked for tools: its ledger row and the calls' rows (with their holds) commit
   * together; then each permitted call runs and ends with its own settlement. The results join the
   * loop's transcript for the next call.
   */
  private async toolRound(step: Started, spec: StepSpec, end: StepEnd, calls: ToolCallRequest[], loop: Loop): Promise<Started> {
    const owner = this.toolOwner(step);
    const toolbox = spec.tools?.toolbox ?? null;
    const rows = await this.deps.db.$transaction(async (tx) => {
      // Only while this attempt still holds the step.
      const { count } = await tx.turnStep.updateMany({ where: { id: step.id, attempt: step.attempt, status: "running" }, data: { output: end.output } });
      if (count === 0) throw new Error(`step ${step.id} attempt ${step.attempt} was superseded`);
      await this.settle(tx, step, end, new Date());
      return recordToolRequests(tx, owner, toolbox, { attempt: step.attempt, calls, used: loop.used, enforcement: this.turn.settings["credits.enforcement"] });
    });
    loop.rounds++;
    if (end.output.trim()) {
      loop.said.push(end.output.trim());
      // The live text gets the same break the answer will have.
      await appendEvents(this.deps.db, this.turn.sessionId, [{ type: "step_delta", stepId: step.id, text: "\n\n" }], this.turn.id);
    }
    loop.transcript.push({ role: "assistant", content: end.output, toolCalls: rows.map((r) => ({ id: r.toolCallId, name: r.tool, arguments: JSON.stringify(r.arguments) })) });
    const allowance = toolbox ? resultAllowance(toolbox, countMessageTokens(loop.transcript)) : MIN_RESULT_TOKENS;
    for (const row of rows) {
      const ended = toolbox && row.status === "running"
        ? await this.stoppable(step, spec, () => runToolCall(this.deps, owner, toolbox, row, { signal: this.watch.signal, maxResultTokens: Math.max(MIN_RESULT_TOKENS, allowance) }))
        : row;
      loop.rows.push(ended);
      loop.transcript.push(toolMessage(ended));
      if (ended.status !== "denied") loop.used++;
    }
    return step;
  }

  /**
   * Runs `work` (tool calls) under the turn's watch. When it stops the turn (the owner's cancel),
   * the calls still running end `cancelled` (nothing charged) and so does the step; any other stop
   * leaves them running for the job's next attempt, which runs them again under the same rows.
   */
  private async stoppable<T>(step: Started, spec: StepSpec, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (caught) {
      if (!this.watch.signal.aborted) throw caught;
      const stop = new TurnStop(this.watch.reason ?? "job_expired");
      if (stop.endsTurn) {
        const owner = this.toolOwner(step);
        const running = await this.deps.db.toolCallEvent.findMany({ where: { stepId: step.id, status: "running" } });
        for (const row of running) {
          await endToolCall(this.deps.db, owner, row, { status: "cancelled", content: "", summary: row.summary, sources: [], error: "Cancelled.", latencyMs: null, credits: new Decimal(0) });
        }
        const none = { inputTokens: 0, cachedTokens: 0, outputTokens: 0, source: "estimated" };
        await this.finish(step, spec, { status: "cancelled", output: "", usage: none, latencyMs: null, ttftMs: null, error: { code: "cancelled", message: "The turn was cancelled." } });
      }
      throw stop;
    }
  }

  /** The step's next model call in its tool loop: the next attempt, with its own hold (no new `step_started`). */
  private async nextCall(step: Started, spec: StepSpec, inputTokens: number): Promise<Started> {
    return this.deps.db.$transaction(async (tx) => {
      const next = await tx.turnStep.update({
        where: { id: step.id, attempt: step.attempt, status: "running" },
        data: { attempt: { increment: 1 }, output: "", startedAt: new Date() },
      });
      const { pricing } = await reserveCall(tx, {
        userId: this.turn.userId,
        key: idempotencyKey(this.turn.id, step.index, next.attempt),
        modelAlias: step.target.model.alias,
        inputTokens,
        maxOutputTokens: spec.maxOutputTokens,
        settings: this.turn.settings,
      });
      return { ...next, pricing, target: step.target };
    });
  }


  /** A model's fallback, when the user's plan allows it: a fallback never calls a model the send would have refused (model_not_in_plan). */
  private async fallbackInPlan(alias: string | null): Promise<string | null> {
    if (!alias) return null;
    const { plan } = await planForUser(this.deps.db, this.turn.userId);
    return planAllowsModel(plan, alias) ? alias : null;
  }
  private attribution(step: Pick<TurnStep, "id" | "kind" | "agentId" | "agentKey" | "modelAlias">): CallAttribution {
    return attributionOf(this.turn, this.turn.roomId, step);
  }

  /** The attempt before this one died mid-call (its worker was killed): its call gets its ledger row now. */
  private async settleLostAttempt(step: TurnStep) {
    await settleLostCall(this.deps.db, this.attribution(step), step, idempotencyKey(this.turn.id, step.index, step.attempt));
  }

  /**
   * Starts an attempt of the step: its row (new, or the next attempt of `found`), its event and its
   * reservation at the target model's price. After a failed attempt (`previous`), that attempt's
   * ledger row is written in the same transaction, so a crash cannot leave it unsettled or settle it
   * twice; the step stays running throughout.
   */
  private async start(index: number, spec: StepSpec, args: { found: TurnStep | undefined; inputTokens: number; target: Target; previous?: { step: Started; end: StepEnd } }): Promise<Started> {
    const { target, previous } = args;
    const common = {
      kind: spec.kind,
      agentId: spec.agent.id,
      agentKey: spec.agent.key,
      agentName: spec.agent.name,
      modelAlias: target.model.alias,
      round: spec.round,
      metadata: attemptMetadata(spec, target),
    };
    return this.deps.db.$transaction(async (tx) => {
      const restart = { ...common, status: "running" as const, attempt: { increment: 1 }, output: "", errorCode: null, errorMessage: null, startedAt: new Date(), finishedAt: null };
      const step = previous
        ? // Only while this attempt still holds the step (throws when another took it over).
          await tx.turnStep.update({ where: { id: previous.step.id, attempt: previous.step.attempt, status: "running" }, data: restart })
        : args.found
          ? await tx.turnStep.update({ where: { id: args.found.id }, data: restart })
          : await tx.turnStep.create({ data: { ...common, turnId: this.turn.id, index, status: "running", attempt: 1, startedAt: new Date() } });
      await appendEventsInTx(tx, this.turn.sessionId, [
        {
          type: "step_started",
          turnId: this.turn.id,
          stepId: step.id,
          index,
          kind: step.kind,
          agent: { ...spec.agent, model: target.model.alias },
          round: spec.round,
          attempt: step.attempt,
          ...(target.fallbackFrom ? { fallbackFrom: target.fallbackFrom } : {}),
        },
      ]);
      // The wallet comes last (the failed attempt's settlement, then the hold), so its row is locked
      // only until this commit. The hold is refused (and the whole start rolled back) when the
      // wallet cannot cover the worst case, so an attempt never starts without its credits.
      if (previous) await this.settle(tx, previous.step, previous.end, new Date());
      const { pricing } = await reserveCall(tx, {
        userId: this.turn.userId,
        key: idempotencyKey(this.turn.id, index, step.attempt),
        modelAlias: target.model.alias,
        inputTokens: args.inputTokens,
        maxOutputTokens: spec.maxOutputTokens,
        settings: this.turn.settings,
      });
      return { ...step, pricing, target };
    });
  }

  /** The ledger row of an attempt and its debit, at the pricing it was reserved at. */
  private async settle(tx: Tx, step: Started, end: StepEnd, finishedAt: Date, priced = priceCall(step.pricing, end.usage)) {
    await settleCall(
      tx,
      this.attribution(step),
      idempotencyKey(this.turn.id, step.index, step.attempt),
      {
        status: callStatusOf(end.status, end.error?.code),
        errorCode: end.error?.code ?? null,
        inputTokens: end.usage.inputTokens,
        cachedTokens: end.usage.cachedTokens,
        outputTokens: end.usage.outputTokens,
        usageSource: end.usage.source,
        requestId: end.requestId ?? null,
        latencyMs: end.latencyMs ?? Math.max(0, finishedAt.getTime() - (step.startedAt?.getTime() ?? finishedAt.getTime())),
        ttftMs: end.ttftMs,
        startedAt: step.startedAt ?? finishedAt,
        provider: step.target.model.providerKey,
        providerModel: step.target.model.providerModel,
        fallbackFrom: step.target.fallbackFrom,
      },
      priced,
    );
  }

  /** Ends the step, writes its message, its event and its ledger row in one transaction — only if this attempt still holds it. */
  private async finish(step: Started, spec: StepSpec, end: StepEnd, loop?: Loop): Promise<StepOutcome> {
    const metadata: StepMetadata = { ...attemptMetadata(spec, step.target), ...spec.describe?.({ status: end.status, output: end.output }) };
    const finishedAt = new Date();
    const finished = await this.deps.db.$transaction(async (tx) => {
      const { count } = await tx.turnStep.updateMany({
        where: { id: step.id, attempt: step.attempt, status: { in: stepSourcesOf(end.status) } },
        data: {
          status: end.status,
          metadata,
          output: end.output,
          errorCode: end.error?.code ?? null,
          errorMessage: end.error?.message ?? null,
          inputTokens: end.usage.inputTokens,
          cachedTokens: end.usage.cachedTokens,
          outputTokens: end.usage.outputTokens,
          usageSource: end.usage.source,
          latencyMs: end.latencyMs,
          ttftMs: end.ttftMs,
          finishedAt,
        },
      });
      if (count === 0) return false;
      const priced = priceCall(step.pricing, end.usage);
      if (end.status === "succeeded" && spec.message) {
        // The agent's tool traces first: private messages only it sees in later turns (PRODUCT.md 5.2).
        for (const row of loop?.rows ?? []) {
          if (row.status !== "succeeded" && row.status !== "failed") continue;
          await appendMessage(tx, {
            sessionId: this.turn.sessionId,
            turnId: this.turn.id,
            stepId: step.id,
            role: "tool",
            visibility: "private",
            agentKey: spec.message.agentKey,
            agentName: spec.message.agentName,
            content: traceOf(row),
          });
        }
        await appendMessage(tx, {
          sessionId: this.turn.sessionId,
          turnId: this.turn.id,
          stepId: step.id,
          role: "assistant",
          visibility: spec.message.visibility ?? "shared",
          agentKey: spec.message.agentKey,
          agentName: spec.message.agentName,
          content: end.output,
        });
      }
      await appendEventsInTx(tx, this.turn.sessionId, [
        {
          type: "step_completed",
          stepId: step.id,
          status: end.status,
          usage: { inputTokens: end.usage.inputTokens, cachedTokens: end.usage.cachedTokens, outputTokens: end.usage.outputTokens, credits: (loop?.rows.length ? await stepCredits(tx, step.id, priced.credits) : priced.credits).toString() },
          latencyMs: end.latencyMs,
          error: end.error,
        },
      ], this.turn.id);
      // The ledger row and the debit come last: the wallet row is locked only until this commit.
      await this.settle(tx, step, end, finishedAt, priced);
      return true;
    });
    // Another attempt took the step over (this worker lost the job's claim): stop here.
    if (!finished) throw new Error(`step ${step.id} attempt ${step.attempt} was superseded`);
    return { id: step.id, index: step.index, status: end.status, output: end.output, agent: { ...spec.agent, model: step.target.model.alias }, round: spec.round, metadata };
  }
}

/**
 * What a step with tool calls cost: its ledger rows so far (the earlier model calls of its loop),
 * this last call (settled right after, in the same transaction) and its tool calls.
 */
async function stepCredits(tx: Tx, stepId: string, last: Decimal): Promise<Decimal> {
  const [row] = await tx.$queryRaw<{ credits: string }[]>`
    SELECT ((SELECT COALESCE(sum(credits_burned), 0) FROM llm_call_events WHERE step_id = ${stepId}::uuid)
          + (SELECT COALESCE(sum(credits), 0) FROM tool_call_events WHERE step_id = ${stepId}::uuid))::text AS credits`;
  return last.plus(row?.credits ?? 0);
}

/** Coalesces a step's streamed text into `step_delta` events, written one after another. */
class DeltaWriter {
  private buffer = "";
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly sessionId: string,
    private readonly turnId: string,
    private readonly stepId: string,
  ) {}

  push(text: string) {
    this.buffer += text;
    this.timer ??= setTimeout(() => void this.drain(), DELTA_COALESCE_MS);
  }

  private drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const text = this.buffer;
    this.buffer = "";
    if (text) {
      this.writing = this.writing
        .then(() => appendEvents(this.db, this.sessionId, [{ type: "step_delta", stepId: this.stepId, text }], this.turnId))
        .then(() => undefined)
        .catch((err: unknown) => logger.warn({ err, stepId: this.stepId }, "could not write a step delta"));
    }
    return this.writing;
  }

  flush(): Promise<void> {
    return this.drain();
  }
}
