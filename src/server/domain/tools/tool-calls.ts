/**
 * The tool calls of a step's tool loop (PRODUCT.md 8), persisted as `tool_call_events` rows:
 * recorded when the model asks for them (with their credits held), run, and ended in one
 * transaction with their settlement and their `tool_completed` event. A row's key is
 * `turn:step:attempt:t<index>`; a resumed step rebuilds its loop from its rows, so a call that ended
 * is replayed from its stored result and never run again, and a call a dead worker left running is
 * run again under its own row and hold (never billed twice).
 *
 * Permissions are enforced here, on the server: a call for a tool the step was not offered (the
 * agent lacks the permission, or the tool cannot run on this server) is recorded `denied` and never
 * executed, whatever the model asked.
 */
import { Decimal } from "decimal.js";
import type { Db } from "../../db.ts";
import type { Prisma, ToolCallEvent } from "@/generated/prisma/client.ts";
import type { Env } from "../../env.ts";
import { logger } from "../../logger.ts";
import type { ChatMessage, ToolCallRequest } from "../../llm/types.ts";
import { appendEventsInTx } from "../../realtime/turn-events.ts";
import { ToolError, type Source, type Tool } from "../../tools/tool.ts";
import { isAppError } from "../../errors.ts";
import { assertWithinCaps } from "../admin/user-caps.ts";
import { holdCredits, settleHeldCredits } from "../metering/meter.ts";
import type { Settings } from "../settings/settings.ts";
import { capResult, fenceToolResult, TRACE_PREFIX } from "./fence.ts";

type Tx = Prisma.TransactionClient;

export function toolCallKey(turnId: string, stepIndex: number, attempt: number, callIndex: number): string {
  return `${turnId}:${stepIndex}:${attempt}:t${callIndex}`;
}

/** Whether a reservation key is a tool call's (the others are LLM calls', `turn:step:attempt`). */
export function isToolCallKey(key: string): boolean {
  return key.split(":").length === 4;
}

/** What a step's tool loop works with, fixed for the step. */
export interface StepToolbox {
  /** The tools offered to the model (the agent's permissions, available on this server). */
  offered: Tool[];
  env: Env;
  settings: Settings;
  /** Tool calls a step may make (`tools.max_calls_per_step`). */
  maxCalls: number;
  /** The most of one result that enters the context, in tokens (`tools.result_max_tokens`). */
  resultMaxTokens: number;
  /** The input tokens the step's context may use: results get less as the context fills. */
  inputBudget: number;
}

/** A result's token allowance: its setting, but never more than half of what the context has left. */
export function resultAllowance(toolbox: StepToolbox, contextTokens: number): number {
  return Math.min(toolbox.resultMaxTokens, Math.floor((toolbox.inputBudget - contextTokens) / 2));
}

/** Results smaller than this are not worth a call: the loop stops offering tools. */
export const MIN_RESULT_TOKENS = 100;

/** What a finished call leaves in the agent's private history (PRODUCT.md 5.2): shorter than in the loop. */
const TRACE_MAX_TOKENS = 600;

export function traceOf(row: ToolCallEvent): string {
  const content = capResult(row.result ?? row.error ?? "", TRACE_MAX_TOKENS);
  const status = row.status === "running" ? "failed" : row.status;
  return `${TRACE_PREFIX} ${fenceToolResult({ tool: row.tool, summary: row.summary, status, content })}`;
}

/** The turn and step a tool call belongs to. */
export interface ToolCallOwner {
  turnId: string;
  sessionId: string;
  userId: string;
  roomId: string | null;
  stepId: string;
  stepIndex: number;
}

const ended = (row: ToolCallEvent) => row.status !== "running";

/** The tool message that answers a row, as the model gets it (fenced: untrusted data). */
export function toolMessage(row: ToolCallEvent): ChatMessage {
  const status = row.status === "running" ? "failed" : row.status;
  return { role: "tool", toolCallId: row.toolCallId, content: fenceToolResult({ tool: row.tool, summary: row.summary, status, content: row.result ?? row.error ?? "" }) };
}

/** The assistant message that asked for a round of rows. */
function requestMessage(rows: ToolCallEvent[]): ChatMessage {
  return { role: "assistant", content: "", toolCalls: rows.map((r) => ({ id: r.toolCallId, name: r.tool, arguments: JSON.stringify(r.arguments) })) };
}

function argumentsOf(call: ToolCallRequest): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  try {
    const value: unknown = JSON.parse(call.arguments || "{}");
    if (value && typeof value === "object" && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> };
    return { ok: false, error: "The arguments must be a JSON object." };
  } catch {
    return { ok: false, error: "The arguments are not valid JSON." };
  }
}

/**
 * Records the calls a model asked for in one response (in the caller's transaction, which also
 * settles that model call): a `running` row with its credits held for each call it may make; a
 * `denied` row for a tool it was not offered or past the step's limit; a `failed` row for arguments
 * that do not parse or a wallet that cannot cover the call. Their `tool_started` (and, for rows
 * that end at once, `tool_completed`) events go out with them.
 */
export async function recordToolRequests(
  tx: Tx,
  owner: ToolCallOwner,
  toolbox: StepToolbox | null,
  args: { attempt: number; calls: ToolCallRequest[]; used: number; enforcement: boolean },
): Promise<ToolCallEvent[]> {
  const rows: ToolCallEvent[] = [];
  let used = args.used;
  for (const [callIndex, call] of args.calls.entries()) {
    const key = toolCallKey(owner.turnId, owner.stepIndex, args.attempt, callIndex);
    const tool = toolbox?.offered.find((t) => t.name === call.name);
    const parsedJson = argumentsOf(call);
    const input = parsedJson.ok ? parsedJson.value : { raw: call.arguments.slice(0, 2000) };
    let status: ToolCallEvent["status"] = "running";
    let error: string | null = null;
    let summary = `${call.name}`;
    if (!tool) {
      status = "denied";
      error = `The tool ${call.name} is not available to this agent.`;
      summary = `Not allowed: ${call.name}`;
    } else if (used >= (toolbox?.maxCalls ?? 0)) {
      status = "denied";
      error = `The limit of ${toolbox?.maxCalls} tool calls for this answer is reached: answer with what you have.`;
      summary = `Limit reached: ${call.name}`;
    } else {
      used++;
      const parsed = parsedJson.ok ? tool.args.safeParse(parsedJson.value) : null;
      if (!parsed?.success) {
        status = "failed";
        error = parsedJson.ok ? `Invalid arguments for ${tool.name}: ${parsed?.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")}` : parsedJson.error;
      } else {
        summary = tool.describe(parsed.data);
        const amount = args.enforcement ? new Decimal(tool.credits(toolbox!.settings)) : new Decimal(0);
        const capped = args.enforcement && amount.gt(0) ? await capRefusalOf(tx, owner.userId, amount) : null;
        if (capped) {
          status = "failed";
          error = capped;
        } else if (!(await holdCredits(tx, { userId: owner.userId, key, amount }))) {
          status = "failed";
          error = "Not enough credits for this tool call.";
        }
      }
    }
    const row = await tx.toolCallEvent.create({
      data: {
        key,
        userId: owner.userId,
        turnId: owner.turnId,
        stepId: owner.stepId,
        attempt: args.attempt,
        callIndex,
        toolCallId: call.id,
        tool: call.name,
        arguments: input as Prisma.InputJsonValue,
        status,
        error,
        summary,
        // A call that never runs costs nothing; the held amount is settled when it ends.
        credits: 0,
        finishedAt: status === "running" ? null : new Date(),
      },
    });
    rows.push(row);
    await appendEventsInTx(
      tx,
      owner.sessionId,
      [
        { type: "tool_started", stepId: owner.stepId, toolCallId: row.id, tool: row.tool, input },
        ...(status === "running" ? [] : [{ type: "tool_completed" as const, stepId: owner.stepId, toolCallId: row.id, status: status as "denied" | "failed", summary, latencyMs: null, credits: "0" }]),
      ],
      owner.turnId,
    );
  }
  return rows;
}

/** Why a paid call would take the user past a credit cap (PRODUCT.md 9), or null when it would not. */
async function capRefusalOf(tx: Tx, userId: string, amount: Decimal): Promise<string | null> {
  try {
    await assertWithinCaps(tx, userId, amount, { lockWallet: true });
    return null;
  } catch (error) {
    if (isAppError(error) && error.code === "user_cap_reached") return `${error.message} This tool call was not made.`;
    throw error;
  }
}

export interface ToolRunDeps {
  db: Db;
}

/**
 * Runs a `running` row's tool and ends the row, with its settlement and its event, in one
 * transaction — only if the row is still running (a second runner of the same row changes
 * nothing). A ToolError is the model's to hear (the row fails with its message); a stop (cancel,
 * worker stopping) aborts the tool through `signal` and is thrown after the row is ended
 * `cancelled` (cancel) or left running for the next attempt (worker stopping: `keepOnStop`).
 */
export async function runToolCall(
  deps: ToolRunDeps,
  owner: ToolCallOwner,
  toolbox: StepToolbox,
  row: ToolCallEvent,
  options: { signal: AbortSignal; maxResultTokens: number },
): Promise<ToolCallEvent> {
  if (ended(row)) return row;
  const tool = toolbox.offered.find((t) => t.name === row.tool);
  const started = performance.now();
  let outcome: { status: "succeeded" | "failed"; content: string; summary: string; sources: Source[]; error: string | null };
  try {
    if (!tool) throw new ToolError(`The tool ${row.tool} is no longer available.`);
    const args = tool.args.parse(row.arguments);
    const result = await tool.run(args, {
      db: deps.db,
      env: toolbox.env,
      userId: owner.userId,
      roomId: owner.roomId,
      sessionId: owner.sessionId,
      signal: options.signal,
      maxResultTokens: options.maxResultTokens,
    });
    const content = capResult(result.content, options.maxResultTokens);
    const sources = (result.sources ?? []).filter((s) => /^https?:\/\//i.test(s.url)).slice(0, 20);
    outcome = { status: "succeeded", content, summary: result.summary, sources, error: null };
  } catch (caught) {
    if (options.signal.aborted) throw caught;
    if (!(caught instanceof ToolError)) logger.error({ err: caught, tool: row.tool, toolCallId: row.id }, "a tool failed unexpectedly");
    const message = caught instanceof ToolError ? caught.message : `The tool ${row.tool} failed.`;
    outcome = { status: "failed", content: `Error: ${message}`, summary: row.summary, sources: [], error: message };
  }
  const latencyMs = Math.round(performance.now() - started);
  return endToolCall(deps.db, owner, row, { ...outcome, latencyMs, credits: outcome.status === "succeeded" && tool ? new Decimal(tool.credits(toolbox.settings)) : new Decimal(0) });
}

/** Ends a running row (the tool's outcome, or `cancelled`), settling its hold, with its event. */
export async function endToolCall(
  db: Db,
  owner: ToolCallOwner,
  row: ToolCallEvent,
  outcome: { status: "succeeded" | "failed" | "cancelled"; content: string; summary: string; sources: Source[]; error: string | null; latencyMs: number | null; credits: Decimal },
): Promise<ToolCallEvent> {
  return db.$transaction(async (tx) => {
    // Locks the row: another runner of the same call waits here, then finds it ended.
    const [locked] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM tool_call_events WHERE id = ${row.id}::uuid FOR UPDATE`;
    if (locked?.status !== "running") return tx.toolCallEvent.findUniqueOrThrow({ where: { id: row.id } });
    const charged = await settleHeldCredits(tx, { userId: owner.userId, key: row.key, credits: outcome.credits, note: `tool ${row.tool}` });
    const updated = await tx.toolCallEvent.update({
      where: { id: row.id },
      data: {
        status: outcome.status,
        result: outcome.content,
        summary: outcome.summary,
        sources: outcome.sources as unknown as Prisma.InputJsonValue,
        resultBytes: Buffer.byteLength(outcome.content),
        latencyMs: outcome.latencyMs,
        error: outcome.error,
        credits: charged.toString(),
        finishedAt: new Date(),
      },
    });
    await appendEventsInTx(
      tx,
      owner.sessionId,
      [
        {
          type: "tool_completed",
          stepId: owner.stepId,
          toolCallId: row.id,
          status: outcome.status,
          summary: outcome.summary,
          ...(outcome.sources.length ? { sources: outcome.sources } : {}),
          latencyMs: outcome.latencyMs,
          credits: charged.toString(),
        },
      ],
      owner.turnId,
    );
    return updated;
  });
}

/** A step's tool rows, in the order they were asked for. */
export function toolCallsOfStep(db: Db, stepId: string): Promise<ToolCallEvent[]> {
  return db.toolCallEvent.findMany({ where: { stepId }, orderBy: [{ attempt: "asc" }, { callIndex: "asc" }] });
}

/**
 * A resumed step's loop so far, rebuilt from its rows: each round's request and its answers, in
 * order. Rows a dead worker left running are run now (under their own row and hold), so the model
 * sees every call answered.
 */
export async function resumeToolLoop(
  deps: ToolRunDeps,
  owner: ToolCallOwner,
  toolbox: StepToolbox | null,
  options: { signal: AbortSignal; maxResultTokens: number },
): Promise<{ transcript: ChatMessage[]; used: number; rows: ToolCallEvent[] }> {
  const rows = await toolCallsOfStep(deps.db, owner.stepId);
  const transcript: ChatMessage[] = [];
  const done: ToolCallEvent[] = [];
  const rounds = Map.groupBy(rows, (r) => r.attempt);
  for (const round of rounds.values()) {
    transcript.push(requestMessage(round));
    for (const row of round) {
      const finished = row.status === "running" && toolbox ? await runToolCall(deps, owner, toolbox, row, options) : row;
      done.push(finished);
      transcript.push(toolMessage(finished));
    }
  }
  return { transcript, used: done.filter((r) => r.status !== "denied").length, rows: done };
}

/**
 * Ends the rows a given-up turn left running (`cancelled`, nothing charged, their holds released).
 * Used by the sweep of lost turns; returns how many it ended.
 */
export async function endLostToolCalls(db: Db, turn: { id: string; sessionId: string; userId: string; roomId: string | null }): Promise<number> {
  const rows = await db.toolCallEvent.findMany({ where: { turnId: turn.id, status: "running" } });
  for (const row of rows) {
    await endToolCall(
      db,
      { turnId: turn.id, sessionId: turn.sessionId, userId: turn.userId, roomId: turn.roomId, stepId: row.stepId ?? "", stepIndex: 0 },
      row,
      { status: "cancelled", content: "", summary: row.summary, sources: [], error: "The turn ended before this call finished.", latencyMs: null, credits: new Decimal(0) },
    );
  }
  return rows.length;
}
