/**
 * Runs the steps of one turn, each one LLM call, persisted as it goes (PRODUCT.md 5.2):
 * `pending → running → succeeded | failed | cancelled`. Steps are numbered in the order the turn's
 * plan asks for them, so a resumed turn (after a worker crash) replays its plan and gets back every
 * step that already ended — never running or billing it twice. A step found `running` was
 * interrupted: it restarts as a new attempt, and only the attempt that holds the row may finish it.
 */
import type { Db } from "../../db.ts";
import type { Prisma, TurnStep } from "@/generated/prisma/client.ts";
import type { Gateway } from "../../llm/gateway.ts";
import type { ManagerContract } from "../../llm/protocol.ts";
import { countMessageTokens, countTextTokens } from "../../llm/tokenizer.ts";
import { LlmError, type ChatMessage } from "../../llm/types.ts";
import { logger } from "../../logger.ts";
import { appendEvents, appendEventsInTx, type AgentRef } from "../../realtime/turn-events.ts";
import { attributionOf, settleLostCall } from "../metering/lost-calls.ts";
import { idempotencyKey, reserveCall, settleCall, type CallAttribution, type CallStatus } from "../metering/meter.ts";
import type { Settings } from "../settings/settings.ts";
import { stepSourcesOf } from "./turn-machine.ts";

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
  metadata?: Record<string, unknown>;
  /** Facts drawn from the step's result (e.g. whom the manager routed to), saved in its metadata
   * in the same transaction that ends it, so they are there for anyone told the step ended. */
  describe?: (end: { status: StepOutcome["status"]; output: string }) => Record<string, unknown>;
  /** When set, a successful step's output becomes a timeline message with this author. */
  message?: { agentKey: string | null; agentName: string; visibility?: "shared" | "private" };
}

export interface StepOutcome {
  id: string;
  index: number;
  status: "succeeded" | "failed" | "cancelled";
  output: string;
  metadata: Record<string, unknown>;
}

function callStatusOf(errorCode: string | undefined): CallStatus {
  return errorCode === "timeout" ? "timeout" : errorCode === "rate_limited" ? "rate_limited" : "error";
}

/** The turn was cancelled by its owner (turns.cancel); the runner stops starting steps. */
export class TurnCancelled extends Error {
  constructor() {
    super("The turn was cancelled.");
  }
}

export class StepRunner {
  private nextIndex = 0;
  private readonly existing: Map<number, TurnStep>;

  constructor(
    private readonly deps: { db: Db; gateway: Gateway },
    private readonly turn: { id: string; sessionId: string },
    /** Whom the calls are billed to, and the settings that decide how (enforcement). */
    private readonly billing: { userId: string; roomId: string | null; mode: string; settings: Settings },
    steps: TurnStep[],
    private readonly signal: AbortSignal,
    /** True once the owner asked to cancel (read from the database, not process memory). */
    private readonly cancelRequested: () => Promise<boolean>,
    /** Where numbering starts: a summary step is appended after a finished turn's steps. */
    startIndex = 0,
  ) {
    this.existing = new Map(steps.map((s) => [s.index, s]));
    this.nextIndex = startIndex;
  }

  async run(spec: StepSpec): Promise<StepOutcome> {
    const index = ++this.nextIndex;
    const found = this.existing.get(index);
    if (found && found.status !== "pending" && found.status !== "running") {
      if (found.kind !== spec.kind) throw new Error(`turn ${this.turn.id} step ${index} replayed as ${spec.kind} but was ${found.kind}`);
      return { id: found.id, index, status: found.status, output: found.output, metadata: found.metadata as Record<string, unknown> };
    }
    if (await this.cancelRequested()) {
      // Fix: a step found running here lost its worker mid-call, and the turn is being cancelled
      // instead of resumed. Its call (which reached the provider) still gets its worker_lost ledger
      // row and its reservation is released; this used to throw first and leave both behind for good.
      if (found?.status === "running") await this.settleLostAttempt(found);
      throw new TurnCancelled();
    }
    // Fix: an aborted signal with no cancel request means this worker is stopping or lost the job's
    // claim, as in the `cancelled` branch below: the turn is left for the job's next attempt. This
    // used to throw TurnCancelled, so a worker stopping between two calls cancelled the user's turn.
    if (this.signal.aborted) throw new Error(`turn ${this.turn.id} stopped before step ${index}: the job was aborted`, { cause: this.signal.reason });

    if (found?.status === "running") await this.settleLostAttempt(found);
    const messages = spec.messages();
    const step = await this.start(index, spec, found, countMessageTokens(messages));
    const deltas = new DeltaWriter(this.deps.db, this.turn.sessionId, this.turn.id, step.id);
    try {
      const result = await this.deps.gateway.call({
        modelAlias: spec.agent.model,
        messages,
        maxOutputTokens: spec.maxOutputTokens,
        contract: spec.contract,
        signal: this.signal,
        onDelta: (text) => deltas.push(text),
      });
      await deltas.flush();
      return await this.finish(step, spec, {
        status: "succeeded",
        output: result.text,
        usage: result.usage,
        latencyMs: result.latencyMs,
        ttftMs: result.ttftMs,
        requestId: result.requestId,
        error: null,
      });
    } catch (caught) {
      await deltas.flush();
      const error = caught instanceof LlmError ? caught : null;
      if (!error) throw caught;
      const usage = { inputTokens: countMessageTokens(messages), cachedTokens: 0, outputTokens: countTextTokens(error.partialText), source: "estimated" };
      if (error.kind === "cancelled") {
        // Aborted: by the owner (a cancel), or because this worker is stopping or lost the job's
        // claim. Only the first ends the step; otherwise the step is left for the next attempt.
        if (!(await this.cancelRequested())) throw caught;
        await this.finish(step, spec, { status: "cancelled", output: error.partialText, usage, latencyMs: null, ttftMs: null, error: { code: "cancelled", message: error.message } });
        throw new TurnCancelled();
      }
      return await this.finish(step, spec, {
        status: "failed",
        output: error.partialText,
        usage,
        latencyMs: null,
        ttftMs: null,
        error: { code: error.kind === "provider" ? "provider_error" : error.kind, message: error.message },
      });
    }
  }

  private attribution(step: Pick<TurnStep, "id" | "kind" | "agentId" | "agentKey" | "modelAlias">): CallAttribution {
    return attributionOf({ id: this.turn.id, sessionId: this.turn.sessionId, userId: this.billing.userId, mode: this.billing.mode }, this.billing.roomId, step);
  }

  /** The attempt before this one died mid-call (its worker was killed): its call gets its ledger row now. */
  private async settleLostAttempt(step: TurnStep) {
    await settleLostCall(this.deps.db, this.attribution(step), step, idempotencyKey(this.turn.id, step.index, step.attempt));
  }

  private async start(index: number, spec: StepSpec, found: TurnStep | undefined, inputTokens: number): Promise<TurnStep> {
    const common = {
      kind: spec.kind,
      agentId: spec.agent.id,
      agentKey: spec.agent.key,
      agentName: spec.agent.name,
      modelAlias: spec.agent.model,
      round: spec.round,
      metadata: (spec.metadata ?? {}) as Prisma.InputJsonValue,
    };
    return this.deps.db.$transaction(async (tx) => {
      const step = found
        ? await tx.turnStep.update({
            where: { id: found.id },
            data: { ...common, status: "running", attempt: { increment: 1 }, output: "", errorCode: null, errorMessage: null, startedAt: new Date(), finishedAt: null },
          })
        : await tx.turnStep.create({ data: { ...common, turnId: this.turn.id, index, status: "running", attempt: 1, startedAt: new Date() } });
      // Held before the call starts; refused (and the whole start rolled back) when the wallet cannot
      // cover the worst case, so a step never starts without its credits.
      await reserveCall(tx, {
        userId: this.billing.userId,
        key: idempotencyKey(this.turn.id, index, step.attempt),
        modelAlias: spec.agent.model,
        inputTokens,
        maxOutputTokens: spec.maxOutputTokens,
        settings: this.billing.settings,
      });
      await appendEventsInTx(tx, this.turn.sessionId, [
        { type: "step_started", turnId: this.turn.id, stepId: step.id, index, kind: step.kind, agent: spec.agent, round: spec.round, attempt: step.attempt },
      ]);
      return step;
    });
  }

  /** Ends the step, writes its message and its event in one transaction — only if this attempt still holds it. */
  private async finish(
    step: TurnStep,
    spec: StepSpec,
    end: {
      status: StepOutcome["status"];
      output: string;
      usage: { inputTokens: number; cachedTokens: number; outputTokens: number; source: string };
      latencyMs: number | null;
      ttftMs: number | null;
      requestId?: string | null;
      error: { code: string; message: string } | null;
    },
  ): Promise<StepOutcome> {
    const metadata = { ...(spec.metadata ?? {}), ...spec.describe?.({ status: end.status, output: end.output }) };
    const finishedAt = new Date();
    const finished = await this.deps.db.$transaction(async (tx) => {
      const { count } = await tx.turnStep.updateMany({
        where: { id: step.id, attempt: step.attempt, status: { in: stepSourcesOf(end.status) } },
        data: {
          status: end.status,
          metadata: metadata as Prisma.InputJsonValue,
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
      const { credits } = await settleCall(tx, this.attribution(step), idempotencyKey(this.turn.id, step.index, step.attempt), {
        status: end.status === "succeeded" ? "success" : end.status === "cancelled" ? "cancelled" : callStatusOf(end.error?.code),
        errorCode: end.error?.code ?? null,
        inputTokens: end.usage.inputTokens,
        cachedTokens: end.usage.cachedTokens,
        outputTokens: end.usage.outputTokens,
        usageSource: end.usage.source,
        requestId: end.requestId ?? null,
        latencyMs: end.latencyMs ?? Math.max(0, finishedAt.getTime() - (step.startedAt?.getTime() ?? finishedAt.getTime())),
        ttftMs: end.ttftMs,
        startedAt: step.startedAt ?? finishedAt,
      });
      if (end.status === "succeeded" && spec.message) {
        const [counter] = await tx.$queryRaw<{ last_seq: bigint }[]>`
          UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ${this.turn.sessionId}::uuid RETURNING last_seq`;
        await tx.message.create({
          data: {
            sessionId: this.turn.sessionId,
            turnId: this.turn.id,
            stepId: step.id,
            seq: counter!.last_seq,
            role: "assistant",
            visibility: spec.message.visibility ?? "shared",
            agentKey: spec.message.agentKey,
            agentName: spec.message.agentName,
            content: end.output,
          },
        });
      }
      await appendEventsInTx(tx, this.turn.sessionId, [
        {
          type: "step_completed",
          stepId: step.id,
          status: end.status,
          usage: { inputTokens: end.usage.inputTokens, cachedTokens: end.usage.cachedTokens, outputTokens: end.usage.outputTokens, credits: credits.toString() },
          latencyMs: end.latencyMs,
          error: end.error,
        },
      ], this.turn.id);
      return true;
    });
    // Another attempt took the step over (this worker lost the job's claim): stop here.
    if (!finished) throw new Error(`step ${step.id} attempt ${step.attempt} was superseded`);
    return { id: step.id, index: step.index, status: end.status, output: end.output, metadata };
  }
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
