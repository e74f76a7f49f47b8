/**
 * Automatic session titles (PRODUCT.md 11, Sessions): after a session's first turn ends, the
 * `session.title` job asks the summary model for a short title of the first message and stores it
 * only if the session still has none (a rename wins), with a `session_title` event so open pages
 * update. The model is the summary model when an owner chose one (`summary.model`), else the
 * offline model: a title is a few words, not worth a real model's credits unless asked for. The
 * call is metered like any other (reserve, then settle with a ledger row of purpose `title`, key
 * `title:<sessionId>`, so a job run twice bills once), on the session and room but on no turn: it
 * is not part of what the turn cost. Any failure leaves the title empty — the UI then shows the
 * first message — and never touches the turn. With `sessions.auto_title` off nothing is queued, and
 * a job queued before the switch reads the setting again and does nothing (no call, no ledger row).
 */
import type { PgBoss } from "pg-boss";
import type { Db } from "../../db.ts";
import { isAppError } from "../../errors.ts";
import { sendJob } from "../../jobs/queues.ts";
import type { Gateway } from "../../llm/gateway.ts";
import { countMessageTokens } from "../../llm/tokenizer.ts";
import { LlmError, type ChatMessage } from "../../llm/types.ts";
import { logger } from "../../logger.ts";
import { appendEventsInTx } from "../../realtime/turn-events.ts";
import { reserveCall, settleCall, type CallAttribution, type CallOutcome } from "../metering/meter.ts";
import { LOCAL_MODEL_ALIAS, loadCatalog } from "../models/catalog.ts";
import { chooseModel } from "../models/model-choice.ts";
import { getSettings, type Settings } from "../settings/settings.ts";

const log = logger.child({ component: "session-title" });

/**
 * The system prompt. It must start with "Write a short title": the offline model recognises that
 * prefix and answers with a title (src/server/llm/providers/local.ts).
 */
export const TITLE_PROMPT =
  "Write a short title (at most six words) for a conversation that starts with the user's message below. Answer with the title only: no quotes, no final period, no preamble.";

export const TITLE_MAX_LENGTH = 80;
const TITLE_MAX_OUTPUT_TOKENS = 32;
/** The first message is enough to name a session; a long one is cut so the call stays cheap. */
const MESSAGE_MAX_CHARS = 2000;

/** The job's turn: the session's first, once it ended with an answer, when titles are on; anything else asks for no title. */
export async function scheduleTitle(boss: PgBoss, turn: { sessionId: string; id: string; index: number }, status: string, settings: Pick<Settings, "sessions.auto_title">) {
  if (!settings["sessions.auto_title"]) return;
  if (turn.index !== 1 || (status !== "completed" && status !== "partial")) return;
  await sendJob(boss, "sessionTitle", { sessionId: turn.sessionId, turnId: turn.id }, { singletonKey: turn.sessionId });
}

/** A model's answer as a title: one line, no quotes or "Title:" label, no final period, at most 80 characters. */
export function cleanTitle(answer: string): string {
  let title = (answer.split("\n").find((line) => line.trim()) ?? "").trim();
  title = title.replace(/^(#+\s*)?(title\s*:\s*)/i, "").replace(/^[*_#\s]+|[*_\s]+$/g, "");
  title = title.replace(/^["'“”‘’«»`]+|["'“”‘’«»`]+$/g, "").trim();
  title = title.replace(/[.。]+$/, "").trim();
  if (title.length > TITLE_MAX_LENGTH) {
    const cut = title.slice(0, TITLE_MAX_LENGTH);
    const space = cut.lastIndexOf(" ");
    title = (space > TITLE_MAX_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd();
  }
  return title;
}

export type TitleOutcome = { titled: true; title: string } | { titled: false; reason: string };

export async function writeSessionTitle(deps: { db: Db; gateway: Gateway }, input: { sessionId: string; turnId: string }, signal: AbortSignal): Promise<TitleOutcome> {
  const { db } = deps;
  // Read at run time: the job may have been queued before titles were switched off.
  const settings = await getSettings(db);
  if (!settings["sessions.auto_title"]) return { titled: false, reason: "titles off" };
  const session = await db.chatSession.findUnique({ where: { id: input.sessionId }, select: { id: true, userId: true, roomId: true, title: true, deletedAt: true } });
  if (!session || session.deletedAt) return { titled: false, reason: "session gone" };
  if (session.title.trim()) return { titled: false, reason: "already titled" };
  const turn = await db.turn.findUnique({ where: { id: input.turnId }, select: { id: true, sessionId: true, mode: true, userInput: true } });
  if (!turn || turn.sessionId !== session.id) return { titled: false, reason: "turn gone" };
  const key = `title:${session.id}`;
  // Called already (an earlier run of this job): never twice.
  if (await db.llmCallEvent.findUnique({ where: { idempotencyKey: key }, select: { id: true } })) return { titled: false, reason: "already asked" };

  const catalog = await loadCatalog(db);
  const choice = chooseModel(catalog, settings, "summary");
  const modelAlias = choice.source === "chosen" ? choice.alias : LOCAL_MODEL_ALIAS;
  const messages: ChatMessage[] = [
    { role: "system", content: TITLE_PROMPT },
    { role: "user", content: turn.userInput.slice(0, MESSAGE_MAX_CHARS) },
  ];
  const inputTokens = countMessageTokens(messages);
  const call: CallAttribution = {
    userId: session.userId,
    roomId: session.roomId,
    sessionId: session.id,
    turnId: null,
    stepId: null,
    agentId: null,
    agentKey: null,
    purpose: "title",
    mode: turn.mode,
    modelAlias,
  };
  try {
    await db.$transaction(async (tx) => {
      // A run that died after reserving left its hold: the settlement below releases it.
      if (await tx.walletReservation.findUnique({ where: { key }, select: { id: true } })) return;
      await reserveCall(tx, { userId: session.userId, key, modelAlias, inputTokens, maxOutputTokens: TITLE_MAX_OUTPUT_TOKENS, settings });
    });
  } catch (error) {
    // No credits left (or a cap reached): no title, as for any other failure.
    if (isAppError(error)) return { titled: false, reason: error.code };
    throw error;
  }

  const startedAt = new Date();
  let answer: string;
  let outcome: CallOutcome;
  try {
    const result = await deps.gateway.call({ modelAlias, messages, maxOutputTokens: TITLE_MAX_OUTPUT_TOKENS, signal });
    answer = result.text;
    outcome = {
      status: "success",
      errorCode: null,
      inputTokens: result.usage.inputTokens,
      cachedTokens: result.usage.cachedTokens,
      outputTokens: result.usage.outputTokens,
      usageSource: result.usage.source,
      requestId: result.requestId,
      latencyMs: result.latencyMs,
      ttftMs: result.ttftMs,
      startedAt,
      provider: result.model.providerKey,
      providerModel: result.model.providerModel,
    };
  } catch (error) {
    if (!(error instanceof LlmError)) throw error;
    // A stopping worker: the job's next attempt calls again (the hold is reused, nothing was billed).
    if (error.kind === "cancelled") throw error;
    // Billed for its input, as a failed step is; a model that could not be reached costs nothing.
    const reached = error.kind !== "unavailable";
    await db.$transaction((tx) =>
      settleCall(tx, call, key, {
        status: error.kind === "timeout" ? "timeout" : error.kind === "rate_limited" ? "rate_limited" : "error",
        errorCode: error.kind,
        inputTokens: reached ? inputTokens : 0,
        cachedTokens: 0,
        outputTokens: 0,
        usageSource: "estimated",
        requestId: null,
        latencyMs: Date.now() - startedAt.getTime(),
        ttftMs: null,
        startedAt,
      }),
    );
    log.warn({ sessionId: session.id, err: error.message }, "the title call failed; the session keeps no title");
    return { titled: false, reason: `call failed: ${error.kind}` };
  }

  const title = cleanTitle(answer);
  const stored = await db.$transaction(async (tx) => {
    // Only if still untitled: a rename while the call ran wins.
    const { count } = title ? await tx.chatSession.updateMany({ where: { id: session.id, title: "", deletedAt: null }, data: { title } }) : { count: 0 };
    if (count) await appendEventsInTx(tx, session.id, [{ type: "session_title", sessionId: session.id, title }]);
    // Last: it takes the wallet row (see settleCall).
    await settleCall(tx, call, key, outcome);
    return count > 0;
  });
  return stored ? { titled: true, title } : { titled: false, reason: title ? "renamed meanwhile" : "empty answer" };
}
