/**
 * The turn event payloads of PRODUCT.md section 6, as zod schemas shared by the worker (which
 * writes them), the web process (which reads and relays them) and the browser and the CLI (which
 * render them). Browser-safe: zod and pure modules only, no server imports.
 */
import { z } from "zod";
import { StepKind, TurnMode } from "../../generated/prisma/enums.ts";
import { modes } from "../domain/modes/machine.ts";
import { stepStatuses, turnStatuses } from "../domain/turns/turn-machine.ts";

// Any 8-4-4-4-12 hex id, as a PostgreSQL uuid column holds (z.uuid() also wants RFC version bits).
const id = z.guid();
const count = z.number().int().nonnegative();
/** An exact decimal as text (decimal.js's toString, or PostgreSQL's numeric::text). */
const decimal = z.string().regex(/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i, "Not a decimal");

export const turnMode = z.enum(TurnMode);
export const stepKind = z.enum(StepKind);
/** How a step ends; `step_completed` carries one of these. */
export const stepEndStatus = z.enum(stepStatuses).extract(["succeeded", "failed", "cancelled"]);
/** How a turn ends without failing; a failed turn is `turn_failed`, a cancelled one `turn_cancelled`. */
export const turnEndStatus = z.enum(turnStatuses).extract(["completed", "partial"]);

/** Who speaks in a step: a roster agent, or the manager, synthesis or summary (no id or key). */
export const agentRef = z.object({
  id: id.nullable(),
  key: z.string().nullable(),
  name: z.string(),
  model: z.string(),
});

export const stepUsage = z.object({
  inputTokens: count,
  cachedTokens: count,
  outputTokens: count,
  /** Filled by metering; null until then. */
  credits: decimal.nullable(),
});

const failure = z.object({ code: z.string(), message: z.string() });

export const turnStartedEvent = z.object({
  type: z.literal("turn_started"),
  turnId: id,
  mode: turnMode,
  roster: z.array(z.object({ id, key: z.string(), name: z.string(), model: z.string() })),
});

export const stepStartedEvent = z.object({
  type: z.literal("step_started"),
  turnId: id,
  stepId: id,
  index: count,
  kind: stepKind,
  agent: agentRef,
  round: count,
  attempt: count,
  /** The alias the step was meant for, when its model's fallback serves this attempt. */
  fallbackFrom: z.string().optional(),
});

export const stepDeltaEvent = z.object({
  type: z.literal("step_delta"),
  stepId: id,
  text: z.string(),
});

export const stepCompletedEvent = z.object({
  type: z.literal("step_completed"),
  stepId: id,
  status: stepEndStatus,
  usage: stepUsage,
  latencyMs: count.nullable(),
  error: failure.nullable(),
});

export const turnCompletedEvent = z.object({
  type: z.literal("turn_completed"),
  turnId: id,
  status: turnEndStatus,
  credits: decimal.nullable(),
  balanceAfter: decimal.nullable(),
  lowBalance: z.boolean(),
});

export const turnFailedEvent = z.object({
  type: z.literal("turn_failed"),
  turnId: id,
  code: z.string(),
  message: z.string(),
});

export const turnCancelledEvent = z.object({
  type: z.literal("turn_cancelled"),
  turnId: id,
});

/** A room's pending mode took effect with this turn (PRODUCT.md section 4). */
export const modeAppliedEvent = z.object({
  type: z.literal("mode_applied"),
  turnId: id,
  from: z.enum(modes),
  to: z.enum(modes),
});

/** A link a tool found (search results); shown under the answer. */
export const toolSource = z.object({ title: z.string(), url: z.string() });

export const toolCallStatus = z.enum(["running", "succeeded", "failed", "cancelled", "denied"]);

/** A step's tool loop asked for a tool (PRODUCT.md 8); `toolCallId` is the `tool_call_events` id. */
export const toolStartedEvent = z.object({
  type: z.literal("tool_started"),
  stepId: id,
  toolCallId: id,
  tool: z.string(),
  input: z.record(z.string(), z.unknown()),
});

export const toolCompletedEvent = z.object({
  type: z.literal("tool_completed"),
  stepId: id,
  toolCallId: id,
  status: toolCallStatus.exclude(["running"]),
  /** One line for the timeline: "Searched: …", "Read: report.pdf p. 3–4". */
  summary: z.string(),
  sources: z.array(toolSource).optional(),
  latencyMs: count.nullable(),
  credits: decimal,
});

/** An uploaded file moved on (uploaded → parsing → ready | failed), on its room's or session's streams. */
export const fileStatusEvent = z.object({
  type: z.literal("file_status"),
  fileId: id,
  status: z.enum(["uploaded", "parsing", "ready", "failed"]),
  error: z.string().optional(),
});

/** The session's title changed (its automatic title was written, or it was renamed), so open pages update. */
export const sessionTitleEvent = z.object({
  type: z.literal("session_title"),
  sessionId: id,
  title: z.string(),
});

/** One event's payload: what a `turn_events` row stores in `payload`. */
export const turnEventBody = z.discriminatedUnion("type", [
  turnStartedEvent,
  stepStartedEvent,
  stepDeltaEvent,
  stepCompletedEvent,
  turnCompletedEvent,
  turnFailedEvent,
  turnCancelledEvent,
  modeAppliedEvent,
  toolStartedEvent,
  toolCompletedEvent,
  fileStatusEvent,
  sessionTitleEvent,
]);

/** An event as subscribers get it: the payload with its row's id, session, turn and time. */
export const turnEvent = z.object({
  /** The `turn_events` id (a bigint, as text). */
  id: z.string().regex(/^\d+$/, "Not an event id"),
  sessionId: id,
  turnId: id.nullable(),
  /** ISO 8601, UTC. */
  at: z.iso.datetime(),
  event: turnEventBody,
});

export type AgentRef = z.infer<typeof agentRef>;
export type StepUsage = z.infer<typeof stepUsage>;
export type TurnEventBody = z.infer<typeof turnEventBody>;
export type TurnEventType = TurnEventBody["type"];
export type TurnEvent = z.infer<typeof turnEvent>;
export type ToolSource = z.infer<typeof toolSource>;
