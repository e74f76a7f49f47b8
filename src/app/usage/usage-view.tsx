"use client";

import { useState } from "react";
import { BillingSection } from "@/components/billing/billing-section.tsx";
import { CreditsChart, type ChartRow } from "@/components/usage/credits-chart.tsx";
import { creditsText, formatCredits } from "@/components/usage/credits.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";

type Transaction = RouterOutputs["usage"]["transactions"]["items"][number];
type Summary = RouterOutputs["usage"]["summary"];

const periods = [7, 30, 90] as const;
type Period = (typeof periods)[number];
const DAY_MS = 86_400_000;
const number = new Intl.NumberFormat("en");

/** The last `days` whole UTC days, today included, as the dates `usage.summary` takes. */
function rangeOf(days: Period, today = new Date()) {
  const to = today.toISOString().slice(0, 10);
  const from = new Date(Date.parse(to) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  return { from, to };
}

type Group = Summary["groups"][number];

/** A summary group as a chart row: its credits (model and tool calls) and every call it paid for. */
const chartRow = (group: Group): ChartRow => ({ key: group.key, label: group.label, credits: group.credits, calls: group.calls + group.toolCalls });

/** Every day of the range, with 0 for the days without calls, so the chart's axis is even. */
function everyDay(summary: Summary, range: { from: string; to: string }): ChartRow[] {
  const byDay = new Map(summary.groups.map((g) => [g.key, g]));
  const rows: ChartRow[] = [];
  for (let t = Date.parse(range.from); t <= Date.parse(range.to); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const group = byDay.get(day);
    rows.push(group ? chartRow(group) : { key: day, label: day, credits: "0", calls: 0 });
  }
  return rows;
}

const plural = (n: number, word: string) => `${number.format(n)} ${word}${n === 1 ? "" : "s"}`;

/** The period's line: credits (model and tool calls), then what they paid for. */
function periodText(summary: Summary, range: { from: string; to: string }): string {
  const { total } = summary;
  const calls = total.toolCalls > 0 ? `${plural(total.calls, "model call")} and ${plural(total.toolCalls, "tool call")}` : plural(total.calls, "call");
  return `${range.from} to ${range.to} (UTC): ${creditsText(total.credits)} over ${calls}, ${number.format(total.tokens)} tokens.`;
}

const kindNames: Record<Transaction["kind"], string> = {
  grant: "Grant",
  debit: "Usage",
  refund: "Refund",
  topup: "Top-up",
  plan_grant: "Plan credits",
  admin_adjustment: "Adjustment",
};

const purposeNames: Record<string, string> = {
  agent_reply: "Agent reply",
  route: "Routing",
  evaluate: "Evaluation",
  synthesis: "Synthesis",
  summary: "Summary",
  tool: "Tool",
};

/** A debit's note is `<purpose> <model>`; others are free text. */
function describeTransaction(tx: Transaction): string {
  if (tx.kind === "debit") {
    const [purpose, model] = tx.note.split(" ");
    return purpose && model ? `${purposeNames[purpose] ?? purpose} · ${model}` : tx.note;
  }
  return tx.note;
}

export function UsageView() {
  const [period, setPeriod] = useState<Period>(30);
  const range = rangeOf(period);
  const wallet = api.usage.wallet.useQuery(undefined, { staleTime: 5_000 });
  const byDay = api.usage.summary.useQuery({ ...range, groupBy: "day" });
  const byModel = api.usage.summary.useQuery({ ...range, groupBy: "model" });
  const byRoom = api.usage.summary.useQuery({ ...range, groupBy: "room" });
  const transactions = api.usage.transactions.useInfiniteQuery({ limit: 20 }, { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 5_000 });
  const items = transactions.data?.pages.flatMap((p) => p.items) ?? [];
  const summaryError = byDay.error ?? byModel.error ?? byRoom.error;

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Usage &amp; billing</h1>
          <p className="lede">Your credits, what they went on, and every model call in a file you can download (paid tool calls are in the transactions).</p>
        </div>
        <a className="button secondary" href="/api/usage/export" download data-testid="download-csv">
          Download CSV
        </a>
      </div>

      <section className="card" aria-labelledby="wallet-title">
        <h2 id="wallet-title">Credits</h2>
        {wallet.error && (
          <p className="field-error" role="alert">
            Could not load your credits: {wallet.error.message}
          </p>
        )}
        {!wallet.data && !wallet.error && <p>Loading credits…</p>}
        {wallet.data && (
          <>
            <dl className="stat-grid">
              <div>
                <dt>Balance</dt>
                <dd data-testid="balance">{formatCredits(wallet.data.balance)}</dd>
              </div>
              <div>
                <dt>Reserved</dt>
                <dd data-testid="reserved">{formatCredits(wallet.data.reserved)}</dd>
              </div>
              <div>
                <dt>Available</dt>
                <dd>{formatCredits(wallet.data.available)}</dd>
              </div>
            </dl>
            <p className="field-hint">
              Reserved credits are held for calls in progress; what a call does not use comes back when it ends.
              {wallet.data.enforcement ? "" : " Credit limits are switched off: calls run even when the balance is spent."}
            </p>
            {wallet.data.lowBalance && (
              <p className="alert warn" role="status">
                Your balance is below {creditsText(wallet.data.lowBalanceThreshold)}.
              </p>
            )}
          </>
        )}
      </section>

      <BillingSection />

      <section className="stack" aria-labelledby="spending-title">
        <div className="page-head">
          <h2 id="spending-title" className="section-title">
            Spending
          </h2>
          <fieldset className="segmented">
            <legend className="visually-hidden">Period</legend>
            {periods.map((days) => (
              <label key={days} data-selected={period === days}>
                <input type="radio" name="usage-period" value={days} checked={period === days} onChange={() => setPeriod(days)} />
                Last {days} days
              </label>
            ))}
          </fieldset>
        </div>
        <p className="muted" aria-live="polite" data-testid="period-total">
          {byDay.data ? periodText(byDay.data, range) : "Loading…"}
        </p>
        {byDay.data && byDay.data.total.toolCalls > 0 && (
          <p className="muted" data-testid="period-tools">
            Tools: {creditsText(byDay.data.total.toolCredits)} of it, on {plural(byDay.data.total.toolCalls, "paid tool call")}.
          </p>
        )}
        {summaryError && (
          <p className="field-error" role="alert">
            Could not load the summary: {summaryError.message}
          </p>
        )}
        {byDay.data && byDay.data.total.calls + byDay.data.total.toolCalls === 0 && <p className="muted">No calls in this period.</p>}
        {byDay.data && byDay.data.total.calls + byDay.data.total.toolCalls > 0 && (
          <div className="chart-grid">
            <CreditsChart title="Credits by day" rows={everyDay(byDay.data, range)} layout="days" labelHeader="Day (UTC)" testId="chart-day" />
            {byModel.data && <CreditsChart title="Credits by model" rows={byModel.data.groups.map(chartRow)} layout="categories" labelHeader="Model or tool" testId="chart-model" />}
            {byRoom.data && <CreditsChart title="Credits by room" rows={byRoom.data.groups.map(chartRow)} layout="categories" labelHeader="Room" testId="chart-room" />}
          </div>
        )}
      </section>

      <section className="stack" aria-labelledby="transactions-title">
        <h2 id="transactions-title" className="section-title">
          Transactions
        </h2>
        {transactions.error && (
          <p className="field-error" role="alert">
            Could not load transactions: {transactions.error.message}
          </p>
        )}
        {transactions.isLoading && <p>Loading transactions…</p>}
        {transactions.data && items.length === 0 && <p className="muted">No transactions yet.</p>}
        {items.length > 0 && (
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="transactions-title">
            <table className="list transactions" data-testid="transactions">
              <caption className="visually-hidden">Credit transactions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Details</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col" className="num">
                    Balance after
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((tx) => (
                  <tr key={tx.id} data-kind={tx.kind}>
                    <td data-label="When">{tx.createdAt.toLocaleString()}</td>
                    <td data-label="Kind">{kindNames[tx.kind]}</td>
                    <td data-label="Details">{describeTransaction(tx) || <span className="muted">—</span>}</td>
                    <td data-label="Amount" className="num" data-testid="transaction-amount">
                      {tx.amount.startsWith("-") ? "" : "+"}
                      {formatCredits(tx.amount)}
                    </td>
                    <td data-label="Balance after" className="num">
                      {formatCredits(tx.balanceAfter)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {transactions.hasNextPage && (
          <div>
            <button type="button" className="button secondary" onClick={() => void transactions.fetchNextPage()} disabled={transactions.isFetchingNextPage}>
              {transactions.isFetchingNextPage ? "Loading…" : "Show older transactions"}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}
