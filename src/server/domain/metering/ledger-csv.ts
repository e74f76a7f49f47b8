/**
 * The ledger export (PRODUCT.md 7.5): a user's `llm_call_events` rows as CSV (RFC 4180), oldest
 * first, one row per call with every column under its database name. Rows are read a page at a
 * time and written as the reader asks for them, so the file is never built in memory.
 */
import { Decimal } from "decimal.js";
import type { Db } from "../../db.ts";
import type { LlmCallEvent } from "@/generated/prisma/client.ts";

type Cell = string | number | Date | { toString(): string } | null;

/** The columns in table order: the CSV header is their database names. */
export const ledgerCsvColumns: readonly (readonly [string, (row: LlmCallEvent) => Cell])[] = [
  ["id", (r) => r.id],
  ["user_id", (r) => r.userId],
  ["room_id", (r) => r.roomId],
  ["session_id", (r) => r.sessionId],
  ["turn_id", (r) => r.turnId],
  ["step_id", (r) => r.stepId],
  ["agent_id", (r) => r.agentId],
  ["agent_key", (r) => r.agentKey],
  ["call_purpose", (r) => r.callPurpose],
  ["mode", (r) => r.mode],
  ["provider", (r) => r.provider],
  ["model_alias", (r) => r.modelAlias],
  ["provider_model", (r) => r.providerModel],
  ["request_id", (r) => r.requestId],
  ["input_tokens_fresh", (r) => r.inputTokensFresh],
  ["input_tokens_cached", (r) => r.inputTokensCached],
  ["output_tokens", (r) => r.outputTokens],
  ["total_tokens", (r) => r.totalTokens],
  ["usage_source", (r) => r.usageSource],
  ["oe_tokens", (r) => r.oeTokens],
  ["multiplier", (r) => r.multiplier],
  ["credits_burned", (r) => r.creditsBurned],
  ["provider_cost_usd", (r) => r.providerCostUsd],
  ["pricing_version", (r) => r.pricingVersion],
  ["status", (r) => r.status],
  ["error_code", (r) => r.errorCode],
  ["latency_ms", (r) => r.latencyMs],
  ["ttft_ms", (r) => r.ttftMs],
  ["idempotency_key", (r) => r.idempotencyKey],
  ["started_at", (r) => r.startedAt],
  ["created_at", (r) => r.createdAt],
  ["fallback_from", (r) => r.fallbackFrom],
];

// Spreadsheets run a cell that starts with one of these as a formula (CSV injection, OWASP). No
// number in the ledger is negative, so only text from outside (a provider's request id) can.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: empty for null, ISO 8601 (UTC) for times, plain digits for decimals; quoted when needed. */
export function csvField(value: Cell): string {
  let text: string;
  if (value === null) text = "";
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === "number") text = String(value);
  else if (typeof value === "string") text = FORMULA_START.test(value) ? `'${value}` : value;
  else text = new Decimal(value.toString()).toFixed(); // a Prisma Decimal, as plain digits
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: Cell[]): string {
  return `${cells.map(csvField).join(",")}\r\n`;
}

export const LEDGER_CSV_PAGE = 500;

/**
 * The user's ledger as a stream of CSV bytes: the header, then a page of rows per pull, read with a
 * keyset cursor (created_at, id) so rows written during the export never shift the pages.
 */
export function ledgerCsvStream(db: Db, userId: string, pageSize = LEDGER_CSV_PAGE): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | null = null;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(csvLine(ledgerCsvColumns.map(([name]) => name))));
          return;
        }
        const rows: LlmCallEvent[] = await db.llmCallEvent.findMany({
          where: { userId },
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          take: pageSize,
          ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        });
        if (rows.length > 0) {
          controller.enqueue(encoder.encode(rows.map((row) => csvLine(ledgerCsvColumns.map(([, get]) => get(row)))).join("")));
          cursor = rows.at(-1)!.id;
        }
        if (rows.length < pageSize) controller.close();
      },
    },
    // One page in hand at a time: the next is read only when the client has taken this one.
    { highWaterMark: 1 },
  );
}
