/**
 * The `session.summarize` job (PRODUCT.md 5.2): the manager model condenses a session's messages
 * up to the end of the turn that asked for it (or the oldest of them that fit one call) into a
 * summary with structured facts. The summary row records the covered range (`through_seq`);
 * contexts then use the summary plus only the messages after it, so the summarized history is really
 * replaced. Runs as a metered `summary` step on that turn; a crashed run resumes like a turn (a step
 * that ended is not called again).
 */
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import type { Gateway } from "../../llm/gateway.ts";
import { loadCatalog } from "../models/catalog.ts";
import { chooseModel } from "../models/model-choice.ts";
import { countMessageTokens } from "../../llm/tokenizer.ts";
import type { ChatMessage } from "../../llm/types.ts";
import { getSettings } from "../settings/settings.ts";
import { contextBudget } from "./context.ts";
import { MANAGER_ROLE, parseSummary, summaryCall } from "./manager-prompts.ts";
import { StepRunner } from "./step-runner.ts";
import { parseJsonColumn, stepMetadata } from "./turn-json.ts";
import { TurnWatch } from "./turn-stop.ts";

export async function summarizeSession(deps: { db: Db; gateway: Gateway }, input: { sessionId: string; turnId: string }, signal: AbortSignal) {
  const { db } = deps;
  const turn = await db.turn.findUnique({ where: { id: input.turnId }, include: { steps: { orderBy: { index: "asc" } } } });
  if (!turn || turn.sessionId !== input.sessionId) return { summarized: false, reason: "turn gone" };
  const lastOfTurn = await db.message.findFirst({ where: { turnId: turn.id }, orderBy: { seq: "desc" }, select: { seq: true } });
  if (!lastOfTurn) return { summarized: false, reason: "nothing to summarize" };
  const previous = await db.sessionSummary.findFirst({ where: { sessionId: input.sessionId }, orderBy: { throughSeq: "desc" } });
  if (previous && previous.throughSeq >= lastOfTurn.seq) return { summarized: false, reason: "already summarized" };

  const [settings, catalog] = await Promise.all([getSettings(db), loadCatalog(db)]);
  const model = chooseModel(catalog, settings, "summary").alias;
  const maxOutputTokens = 512;
  const budget = contextBudget(catalog.get(model)?.contextWindow, maxOutputTokens);
  const rows = await db.message.findMany({
    where: { sessionId: input.sessionId, seq: { gt: previous?.throughSeq ?? 0n, lte: lastOfTurn.seq }, visibility: "shared", role: { in: ["user", "assistant"] } },
    orderBy: { seq: "asc" },
  });
  const prompt = summaryCall(previous?.text ?? null);
  const system: ChatMessage = { role: "system", content: `${MANAGER_ROLE}\n\n${prompt.instructions}` };
  const conversation: ChatMessage[] = rows.map((m) => (m.role === "user" ? { role: "user", content: m.content } : { role: "assistant", content: `[${m.agentName ?? "Assistant"}]: ${m.content}` }));
  // Fix: if the range is too long for one call, summarize its oldest messages that fit and end the
  // summary's range before the first one left out: those stay in later contexts (after through_seq)
  // and go into the next summary. Dropping the oldest instead, with through_seq still at the end of
  // the turn, lost them: they were in neither the summary nor any later context.
  let kept = conversation.length;
  while (kept > 1 && countMessageTokens([system, ...conversation.slice(0, kept)]) > budget.input) kept--;
  conversation.length = kept;
  const throughSeq = kept < rows.length ? rows[kept]!.seq - 1n : lastOfTurn.seq;

  const summaryStep = turn.steps.find((s) => s.kind === "summary" && parseJsonColumn(stepMetadata, s.metadata, {}).throughSeq === throughSeq.toString());
  const startIndex = summaryStep ? summaryStep.index - 1 : Math.max(0, ...turn.steps.map((s) => s.index));
  const session = await db.chatSession.findUniqueOrThrow({ where: { id: turn.sessionId }, select: { roomId: true } });
  const runner = new StepRunner({
    deps,
    turn: { id: turn.id, sessionId: turn.sessionId, userId: turn.userId, roomId: session.roomId, mode: turn.mode, settings },
    steps: turn.steps,
    // A summary runs on a turn that has ended: only the job stopping stops it.
    watch: new TurnWatch(db, turn.id, signal, false),
    startIndex,
  });
  // A stop (the job taken away) is thrown: the job's next attempt resumes the step.
  const outcome = await runner.run({
    kind: "summary",
    agent: { id: null, key: null, name: "Summary", model },
    round: 1,
    maxOutputTokens,
    metadata: { throughSeq: throughSeq.toString(), messages: kept },
    messages: () => [system, ...conversation],
    contract: prompt.contract,
  });
  if (outcome.status !== "succeeded") return { summarized: false, reason: "the summary call failed" };
  const facts = parseSummary(outcome.output);
  await db.sessionSummary.upsert({
    where: { sessionId_throughSeq: { sessionId: input.sessionId, throughSeq } },
    create: {
      sessionId: input.sessionId,
      turnId: turn.id,
      text: facts.summary,
      facts: { key_facts: facts.key_facts, decisions: facts.decisions, open_questions: facts.open_questions, action_items: facts.action_items } as Prisma.InputJsonValue,
      throughSeq,
    },
    update: {},
  });
  return { summarized: true, throughSeq: throughSeq.toString() };
}
