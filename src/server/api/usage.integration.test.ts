/**
 * The `usage` router and the CSV export through the real tRPC fetch adapter and database: the
 * wallet after real turns (offline model), transactions and ledger rows newest first and paged,
 * isolation between users (another user's rows never appear; their ids as cursors give empty
 * pages), summary sums equal to the ledger's for every grouping (UTC days, rooms named), input
 * validation, turn credits in turns.byId/list, and the CSV export (401 signed out; its rows are the
 * ledger's, quoted properly, across pages).
 */
import { randomUUID } from "node:crypto";
import { Decimal } from "decimal.js";
import { describe, expect, it } from "vitest";
import type { LlmCallEvent, Prisma } from "@/generated/prisma/client.ts";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ledgerCsvColumns, ledgerCsvStream } from "@/server/domain/metering/ledger-csv.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { ledgerExportResponse } from "@/server/http/ledger-export.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { callApi } from "@/test/trpc-http.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { parse } from "csv-parse/sync";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t, { fakeOpenAI: false });

/** A user with a roundtable room of two agents, an API token, and calls as that user. */
async function world() {
  const w = await roomWorld(t.db, "roundtable", [{ key: "alpha", name: "Alpha" }, { key: "beta", name: "Beta" }]);
  const { token } = await createApiToken(t.db, w.user.id, { name: "test" });
  const call = (path: string, input?: unknown) => callApi(t.db, path, { token, input });
  const api = async (path: string, input?: unknown) => {
    const res = await call(path, input);
    if (res.error) throw new Error(`${path} → ${res.status} ${res.error.appCode}: ${res.error.message}`);
    return res.data;
  };
  const turn = (message = "How do we launch?") => sendAndRun(engine.deps, w.user.id, w.session.id, message);
  return { ...w, token, call, api, turn };
}

const sum = (values: { toString(): string }[]) => values.reduce<Decimal>((total, v) => total.plus(v.toString()), new Decimal(0)).toFixed();

let keys = 0;
/** A ledger row written directly (for dates, models and rooms a real turn cannot give). */
function ledgerRow(userId: string, over: Partial<Prisma.LlmCallEventUncheckedCreateInput> = {}) {
  return t.db.llmCallEvent.create({
    data: {
      userId,
      callPurpose: "agent_reply",
      mode: "roundtable",
      provider: "openrouter",
      modelAlias: "llama",
      providerModel: "meta-llama/llama",
      inputTokensFresh: 100,
      inputTokensCached: 50,
      outputTokens: 10,
      totalTokens: 160,
      usageSource: "provider",
      oeTokens: "50",
      multiplier: "1",
      creditsBurned: "0.005",
      providerCostUsd: "0.0000000012",
      pricingVersion: 1,
      status: "success",
      idempotencyKey: `test:${keys++}:${randomUUID()}`,
      startedAt: new Date(),
      ...over,
    },
  });
}

describe("usage.wallet and usage.transactions", () => {
  it("a new user has the signup grant; each call of a turn is a debit, and the balance is the grant less the ledger", async () => {
    const w = await world();
    expect(await w.api("usage.wallet")).toMatchObject({ balance: "100", reserved: "0", available: "100", lowBalance: false, lowBalanceThreshold: "5", enforcement: true });

    const turn = await w.turn();
    const calls = await t.db.llmCallEvent.findMany({ where: { turnId: turn.id } });
    expect(calls).toHaveLength(2);
    const spent = sum(calls.map((c) => c.creditsBurned));
    expect(new Decimal(spent).gt(0)).toBe(true);
    const wallet = await w.api("usage.wallet");
    expect(wallet).toMatchObject({ balance: new Decimal(100).minus(spent).toFixed(), reserved: "0", lowBalance: false });

    const page = await w.api("usage.transactions", {});
    expect(page.nextCursor).toBeNull();
    // Newest first: the two debits (one per call, referenced by its ledger key), then the grant.
    expect(page.items.map((x: { kind: string }) => x.kind)).toEqual(["debit", "debit", "grant"]);
    expect(page.items[2]).toMatchObject({ amount: "100", balanceAfter: "100", referenceId: `signup:${w.user.id}` });
    expect(sum(page.items.slice(0, 2).map((x: { amount: string }) => x.amount))).toBe(new Decimal(spent).negated().toFixed());
    expect(page.items[0].balanceAfter).toBe(wallet.balance);
    expect(new Set(page.items.slice(0, 2).map((x: { referenceId: string }) => x.referenceId))).toEqual(new Set(calls.map((c) => c.idempotencyKey)));
    for (const item of page.items) expect(typeof item.amount).toBe("string");
  });

  it("pages newest first with a cursor, every transaction once", async () => {
    const w = await world();
    await w.api("usage.wallet");
    for (let i = 0; i < 4; i++) await t.db.creditTransaction.create({ data: { userId: w.user.id, kind: "topup", amount: `${i + 1}.25`, balanceAfter: "0", referenceId: randomUUID() } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await w.api("usage.transactions", { cursor, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((x: { id: string }) => x.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const all = await t.db.creditTransaction.findMany({ where: { userId: w.user.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    expect(seen).toEqual(all.map((x) => x.id));
  });
});

describe("usage.events", () => {
  it("the user's ledger rows newest first, every column, money as exact strings", async () => {
    const w = await world();
    await w.turn();
    const tiny = await ledgerRow(w.user.id, { providerCostUsd: "0.0000000012", creditsBurned: "0.000001" });
    const page = await w.api("usage.events", { limit: 100 });
    const rows = await t.db.llmCallEvent.findMany({ where: { userId: w.user.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    expect(page.items.map((x: { id: string }) => x.id)).toEqual(rows.map((r) => r.id));
    const shown = page.items.find((x: { id: string }) => x.id === tiny.id);
    // Plain digits, never exponent notation.
    expect(shown).toMatchObject({ providerCostUsd: "0.0000000012", creditsBurned: "0.000001", multiplier: "1", oeTokens: "50", modelAlias: "llama", idempotencyKey: tiny.idempotencyKey });
  });
});

describe("isolation", () => {
  it("another user's wallet, transactions, ledger rows and summary never appear; their ids as cursors give empty pages", async () => {
    const a = await world();
    const b = await world();
    await a.turn("A's secret question");
    await ledgerRow(a.user.id, { creditsBurned: "7.5", modelAlias: "premium" });
    await b.turn("B's question");

    const aEvents = await t.db.llmCallEvent.findMany({ where: { userId: a.user.id } });
    const aTransactions = await t.db.creditTransaction.findMany({ where: { userId: a.user.id } });
    const aIds = new Set([...aEvents, ...aTransactions].map((x) => x.id));

    const bTransactions = await b.api("usage.transactions", { limit: 100 });
    const bEvents = await b.api("usage.events", { limit: 100 });
    expect(bTransactions.items.length).toBeGreaterThan(0);
    expect(bEvents.items.length).toBe(await t.db.llmCallEvent.count({ where: { userId: b.user.id } }));
    for (const item of [...bTransactions.items, ...bEvents.items]) {
      expect(aIds.has(item.id)).toBe(false);
      if ("userId" in item) expect(item.userId).toBe(b.user.id);
    }
    const now = Date.now();
    const range = { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString() };
    for (const groupBy of ["day", "model", "room", "agent"] as const) {
      const summary = await b.api("usage.summary", { ...range, groupBy });
      expect(summary.total.calls, groupBy).toBe(bEvents.items.length);
      expect(JSON.stringify(summary)).not.toContain("premium");
      expect(JSON.stringify(summary)).not.toContain(a.room.id);
    }
    expect(await b.api("usage.wallet")).toMatchObject({ balance: new Decimal(100).minus(sum(bEvents.items.map((x: { creditsBurned: string }) => x.creditsBurned))).toFixed() });

    // A's ids as B's cursors: empty pages, nothing of A's.
    for (const [path, cursor] of [
      ["usage.transactions", aTransactions[0]!.id],
      ["usage.events", aEvents[0]!.id],
      ["usage.transactions", randomUUID()],
      ["usage.events", randomUUID()],
    ] as const) {
      expect(await b.api(path, { cursor }), path).toEqual({ items: [], nextCursor: null });
    }
    // And A's own data is unchanged by B's reads.
    expect(await t.db.llmCallEvent.count({ where: { userId: a.user.id } })).toBe(aEvents.length);
  });
});

describe("usage.summary", () => {
  it("sums per day (UTC), model, room and agent equal the ledger's, and rooms and agents are named", async () => {
    const w = await world();
    const direct = await createSession(t.db, w.user.id, { agentId: w.agents[0]!.id });
    const u = w.user.id;
    // Fixed days, in and around the range; times near midnight in other zones land on their UTC day.
    await ledgerRow(u, { createdAt: new Date("2026-03-01T23:30:00-05:00"), creditsBurned: "1.000001", modelAlias: "premium", roomId: w.room.id, sessionId: w.session.id, agentId: w.agents[0]!.id, agentKey: "alpha" });
    await ledgerRow(u, { createdAt: new Date("2026-03-02T00:10:00+02:00"), creditsBurned: "0.25", modelAlias: "llama", roomId: w.room.id, sessionId: w.session.id, agentId: w.agents[1]!.id, agentKey: "beta" });
    await ledgerRow(u, { createdAt: new Date("2026-03-02T12:00:00Z"), creditsBurned: "0.000002", callPurpose: "route", modelAlias: "llama", roomId: w.room.id, sessionId: w.session.id });
    await ledgerRow(u, { createdAt: new Date("2026-03-03T08:00:00Z"), creditsBurned: "2", callPurpose: "summary", modelAlias: "qwen", sessionId: direct.id, mode: "direct" });
    await ledgerRow(u, { createdAt: new Date("2026-03-04T08:00:00Z"), creditsBurned: "3", modelAlias: "qwen", agentId: randomUUID(), agentKey: "gone" }); // room and agent purged
    // Outside the range: before it, and at its (exclusive) end.
    await ledgerRow(u, { createdAt: new Date("2026-02-28T23:59:59Z"), creditsBurned: "100" });
    await ledgerRow(u, { createdAt: new Date("2026-03-05T00:00:00Z"), creditsBurned: "100" });

    const input = { from: "2026-03-01", to: "2026-03-04" }; // a date `to` includes its whole day
    const inRange = await t.db.llmCallEvent.findMany({ where: { userId: u, createdAt: { gte: new Date("2026-03-01T00:00:00Z"), lt: new Date("2026-03-05T00:00:00Z") } } });
    expect(inRange).toHaveLength(5);
    const ledgerCredits = sum(inRange.map((r) => r.creditsBurned));
    expect(ledgerCredits).toBe("6.250003");

    const by = async (groupBy: string) => {
      const summary = await w.api("usage.summary", { ...input, groupBy });
      expect(summary.total, groupBy).toEqual({ credits: ledgerCredits, calls: 5, tokens: 5 * 160, toolCredits: "0", toolCalls: 0 });
      expect(sum(summary.groups.map((g: { credits: string }) => g.credits)), groupBy).toBe(ledgerCredits);
      return Object.fromEntries(summary.groups.map((g: { key: string; label: string; credits: string; calls: number; tokens: number }) => [g.key, { label: g.label, credits: g.credits, calls: g.calls }]));
    };

    const days = await w.api("usage.summary", { ...input, groupBy: "day" });
    expect(days.groups.map((g: { key: string }) => g.key)).toEqual(["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]);
    expect(await by("day")).toEqual({
      "2026-03-01": { label: "2026-03-01", credits: "0.25", calls: 1 },
      "2026-03-02": { label: "2026-03-02", credits: "1.000003", calls: 2 },
      "2026-03-03": { label: "2026-03-03", credits: "2", calls: 1 },
      "2026-03-04": { label: "2026-03-04", credits: "3", calls: 1 },
    });
    expect(await by("model")).toEqual({
      premium: { label: "premium", credits: "1.000001", calls: 1 },
      llama: { label: "llama", credits: "0.250002", calls: 2 },
      qwen: { label: "qwen", credits: "5", calls: 2 },
    });
    expect(await by("room")).toEqual({
      [w.room.id]: { label: w.room.name, credits: "1.250003", calls: 3 },
      direct: { label: "Direct chats", credits: "2", calls: 1 },
      deleted: { label: "Deleted rooms", credits: "3", calls: 1 },
    });
    const agents = await by("agent");
    expect(agents).toMatchObject({
      [w.agents[0]!.id]: { label: "Alpha", credits: "1.000001", calls: 1 },
      [w.agents[1]!.id]: { label: "Beta", credits: "0.25", calls: 1 },
      manager: { label: "Manager", credits: "0.000002", calls: 1 },
      summary: { label: "Session summaries", credits: "2", calls: 1 },
    });
    expect(Object.values(agents)).toContainEqual({ label: "@gone", credits: "3", calls: 1 });
    // Biggest first (rooms, models, agents); days in order.
    const models = await w.api("usage.summary", { ...input, groupBy: "model" });
    expect(models.groups.map((g: { key: string }) => g.key)).toEqual(["qwen", "premium", "llama"]);
  });

  it("sums real turns the same way, with date-times as bounds", async () => {
    const w = await world();
    await w.turn();
    await w.turn("And the risks?");
    const rows = await t.db.llmCallEvent.findMany({ where: { userId: w.user.id } });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    for (const groupBy of ["day", "model", "room", "agent"]) {
      const summary = await w.api("usage.summary", { from, to, groupBy });
      expect(summary.total, groupBy).toEqual({ credits: sum(rows.map((r) => r.creditsBurned)), calls: 4, tokens: rows.reduce((n, r) => n + r.totalTokens, 0), toolCredits: "0", toolCalls: 0 });
    }
    const rooms = await w.api("usage.summary", { from, to, groupBy: "room" });
    expect(rooms.groups).toEqual([expect.objectContaining({ key: w.room.id, label: w.room.name, calls: 4 })]);
  });

  it("refuses bad ranges and groupings with 400 invalid_input, never a 500", async () => {
    const w = await world();
    for (const input of [
      { from: "2026-03-02", to: "2026-03-01", groupBy: "day" },
      { from: "2026-03-01T10:00:00Z", to: "2026-03-01T10:00:00Z", groupBy: "day" },
      { from: "2025-01-01", to: "2026-03-01", groupBy: "day" },
      { from: "yesterday", to: "2026-03-01", groupBy: "day" },
      { from: "2026-02-30", to: "2026-03-01", groupBy: "day" },
      { from: "2026-03-01T10:00:00", to: "2026-03-02", groupBy: "day" },
      { from: "2026-03-01", to: "2026-03-02", groupBy: "user" },
      { from: "2026-03-01", groupBy: "day" },
    ]) {
      const res = await w.call("usage.summary", input);
      expect(res.status, JSON.stringify(input)).toBe(400);
      expect(res.error).toMatchObject({ code: "BAD_REQUEST", appCode: "invalid_input", zodError: expect.anything() });
    }
    expect((await w.call("usage.transactions", { limit: 1000 })).status).toBe(400);
    expect((await w.call("usage.events", { cursor: "not-an-id" })).status).toBe(400);
    // A year (leap day included) is fine.
    expect((await w.call("usage.summary", { from: "2027-03-01", to: "2028-02-29", groupBy: "model" })).status).toBe(200);
  });
});

describe("turn credits", () => {
  it("turns.byId and turns.list give each step's credits and the turn's total, from the ledger", async () => {
    const w = await world();
    const turn = await w.turn();
    const rows = await t.db.llmCallEvent.findMany({ where: { turnId: turn.id } });
    const view = await w.api("turns.byId", { id: turn.id });
    expect(view.credits).toBe(sum(rows.map((r) => r.creditsBurned)));
    for (const step of view.steps) expect(step.credits, step.id).toBe(sum(rows.filter((r) => r.stepId === step.id).map((r) => r.creditsBurned)));
    // A step with a row per attempt sums them.
    const [first] = view.steps;
    await ledgerRow(w.user.id, { turnId: turn.id, stepId: first.id, creditsBurned: "0.5" });
    const listed = await w.api("turns.list", { sessionId: w.session.id });
    expect(listed.items[0].steps[0].credits).toBe(new Decimal(first.credits).plus("0.5").toFixed());
    expect(listed.items[0].credits).toBe(new Decimal(view.credits).plus("0.5").toFixed());
  });
});

/** The export read back with a real CSV parser (quoted fields, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
  return parse(text) as string[][];
}

/** What a ledger row's cell should read in the export. */
function expectedCells(row: LlmCallEvent): string[] {
  return ledgerCsvColumns.map(([, get]) => {
    const value = get(row);
    if (value === null) return "";
    if (value instanceof Date) return value.toISOString();
    if (typeof value === "number" || typeof value === "string") return String(value);
    return new Decimal(value.toString()).toFixed();
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  let text = "";
  let chunks = 0;
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text, chunks };
    text += decoder.decode(value, { stream: true });
    chunks++;
  }
}

describe("CSV export", () => {
  const exportRequest = (headers: Record<string, string> = {}) => ledgerExportResponse(t.db, new Request("http://pantheon.test/api/usage/export", { headers }));

  it("is 401 signed out or with a bad token, and 403 for a suspended user", async () => {
    const anonymous: Record<string, string>[] = [{}, { authorization: "Bearer pan_" + "x".repeat(43) }, { cookie: `next-auth.session-token=${randomUUID()}` }];
    for (const headers of anonymous) {
      const res = await exportRequest(headers);
      expect(res.status).toBe(401);
      // The fields of a tRPC error's data (one mapping, server/api/error-shape.ts).
      expect(await res.json()).toEqual({ error: { message: expect.stringMatching(/Sign in/), data: { code: "UNAUTHORIZED", httpStatus: 401, appCode: "unauthorized", details: null, zodError: null } } });
    }
    const w = await world();
    await t.db.user.update({ where: { id: w.user.id }, data: { status: "suspended" } });
    const suspended = await exportRequest({ authorization: `Bearer ${w.token}` });
    expect(suspended.status).toBe(403);
    expect(await suspended.json()).toMatchObject({ error: { data: { code: "FORBIDDEN", appCode: "account_suspended" } } });
  });

  it("streams the user's ledger rows, one CSV row each with every column, as an attachment (token or cookie)", async () => {
    const w = await world();
    const other = await world();
    await w.turn();
    await other.turn();
    // Text that needs quoting, and one a spreadsheet would run as a formula.
    const odd = await ledgerRow(w.user.id, { requestId: 'req,"quoted"\r\nline', errorCode: "=HYPERLINK(1)", status: "error", createdAt: new Date(Date.now() + 1000) });

    const res = await exportRequest({ authorization: `Bearer ${w.token}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="pantheon-usage-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = await res.text();
    const [header, ...body] = parseCsv(text);
    expect(header).toEqual(ledgerCsvColumns.map(([name]) => name));
    expect(header).toContain("credits_burned");

    const ledger = await t.db.llmCallEvent.findMany({ where: { userId: w.user.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    expect(body).toHaveLength(ledger.length);
    expect(body).toEqual(
      ledger.map((row) => {
        const cells = expectedCells(row);
        if (row.id === odd.id) cells[header!.indexOf("error_code")] = "'=HYPERLINK(1)";
        return cells;
      }),
    );
    expect(body.at(-1)![header!.indexOf("request_id")]).toBe('req,"quoted"\r\nline');
    expect(text).not.toContain(other.user.id);

    // The browser's way in: the session cookie.
    const sessionToken = randomUUID();
    await t.db.session.create({ data: { sessionToken, userId: w.user.id, expires: new Date(Date.now() + 3600_000) } });
    const byCookie = await exportRequest({ cookie: `next-auth.session-token=${sessionToken}` });
    expect(await byCookie.text()).toBe(text);
  });

  it("reads the ledger a page at a time, with no row twice or missed", async () => {
    const w = await world();
    const at = Date.now() - 60_000;
    // Several rows share a timestamp: the id breaks the tie across pages.
    for (let i = 0; i < 7; i++) await ledgerRow(w.user.id, { createdAt: new Date(at + Math.floor(i / 3) * 1000), creditsBurned: `0.00000${i + 1}` });
    const { text, chunks } = await readAll(ledgerCsvStream(t.db, w.user.id, 2));
    expect(chunks).toBe(1 + 4); // the header, then pages of 2, 2, 2 and 1
    const [, ...body] = parseCsv(text);
    const ledger = await t.db.llmCallEvent.findMany({ where: { userId: w.user.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    expect(body).toEqual(ledger.map(expectedCells));

    const empty = await readAll(ledgerCsvStream(t.db, randomUUID(), 2));
    expect(parseCsv(empty.text)).toHaveLength(1);
  });
});
