"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatCredits } from "@/components/usage/credits.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { DataFigure } from "./data-figure.tsx";

type Granularity = "day" | "week" | "month";
type Breakdown = RouterOutputs["admin"]["analytics"]["breakdown"];

const DAY_MS = 86_400_000;
const DEFAULT_PRICE = "0.01";
const number = new Intl.NumberFormat("en");
const granularityNames: Record<Granularity, string> = { day: "Day", week: "Week", month: "Month" };
const bucketHeader: Record<Granularity, string> = { day: "Day (UTC)", week: "Week from (UTC)", month: "Month" };
// Series colours that keep apart for the common kinds of colour blindness (Okabe–Ito).
const colors = { a: "#0072B2", b: "#E69F00", c: "#009E73", d: "#CC79A7", e: "#D55E00", f: "#56B4E9" };
const statusColors = { completed: colors.c, partial: colors.b, failed: colors.e, cancelled: colors.d, running: colors.f, queued: "#999999" } as const;

/** USD for reading (the tables and CSV keep the exact strings). */
const usd = (value: string | null) => (value === null ? "—" : `$${Number(value).toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`);
const percent = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(1)} %`);
const msText = (v: number | null) => (v === null ? "—" : `${number.format(v)} ms`);
const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function lastDays(days: number, today = new Date()) {
  const to = today.toISOString().slice(0, 10);
  return { from: new Date(Date.parse(to) - (days - 1) * DAY_MS).toISOString().slice(0, 10), to };
}

/** A horizontal bar per category (model, provider, user): credits billed. */
function CategoryBars(props: { data: { label: string; value: number }[]; name: string }) {
  const height = Math.max(120, 34 * props.data.length + 40);
  return (
    <BarChart responsive style={{ width: "100%", height }} data={props.data} layout="vertical" margin={{ top: 8, right: 12, bottom: 4, left: 4 }} accessibilityLayer={false}>
      <CartesianGrid strokeDasharray="3 3" horizontal={false} />
      <XAxis type="number" />
      <YAxis type="category" dataKey="label" width={130} tickFormatter={(l: string) => truncate(l, 18)} />
      <Tooltip wrapperClassName="chart-tooltip" />
      <Bar dataKey="value" name={props.name} fill={colors.a} isAnimationActive={false} maxBarSize={26} />
    </BarChart>
  );
}

/** A breakdown's credits as bars, with its table and CSV. */
function BreakdownFigure(props: { title: string; testId: string; fileName: string; dimension: string; data: Breakdown; note?: string }) {
  return (
    <DataFigure
      title={props.title}
      testId={props.testId}
      fileName={props.fileName}
      columns={breakdownColumns(props.dimension)}
      rows={breakdownRows(props.data)}
      note={props.note}
      chart={<CategoryBars name="Credits" data={props.data.rows.map((r) => ({ label: r.label, value: Number(r.credits) }))} />}
    />
  );
}

function breakdownRows(b: Breakdown) {
  return b.rows.map((r) => [r.label, r.calls, r.tokens, r.credits, r.costUsd, r.revenueUsd, r.marginUsd, r.costPerCreditUsd]);
}
const breakdownColumns = (first: string) => [
  { header: first },
  { header: "Calls", num: true },
  { header: "Tokens", num: true },
  { header: "Credits", num: true },
  { header: "Provider cost (USD)", num: true },
  { header: "Credits at price (USD)", num: true },
  { header: "Margin (USD)", num: true },
  { header: "Cost per credit (USD)", num: true },
];

export function AnalyticsView() {
  const [range, setRange] = useState(() => lastDays(30));
  const [granularity, setGranularity] = useState<Granularity>("day");
  const [price, setPrice] = useState(DEFAULT_PRICE);
  const validPrice = /^\d{1,6}(\.\d{1,10})?$/.test(price) ? price : DEFAULT_PRICE;
  const period = { from: range.from, to: range.to };
  const opts = { staleTime: 30_000 };
  const overview = api.admin.analytics.overview.useQuery({ ...period, granularity, usdPerCredit: validPrice }, opts);
  const active = api.admin.analytics.activeUsers.useQuery(period, opts);
  const byUser = api.admin.analytics.breakdown.useQuery({ ...period, by: "user", limit: 10, usdPerCredit: validPrice }, opts);
  const byModel = api.admin.analytics.breakdown.useQuery({ ...period, by: "model", limit: 100, usdPerCredit: validPrice }, opts);
  const byProvider = api.admin.analytics.breakdown.useQuery({ ...period, by: "provider", limit: 100, usdPerCredit: validPrice }, opts);
  const models = api.admin.analytics.models.useQuery(period, opts);
  const turns = api.admin.analytics.turns.useQuery({ ...period, granularity }, opts);
  const error = [overview, active, byUser, byModel, byProvider, models, turns].find((q) => q.error)?.error;
  const total = overview.data?.total;
  const suffix = `${range.from}_${range.to}`;

  return (
    <div className="stack">
      <div>
        <h1>Analytics</h1>
        <p className="lede">Who uses Pantheon, what it costs the providers against what it bills, and how each model behaves. All times are UTC.</p>
      </div>

      <section className="card stack" aria-labelledby="period-title">
        <h2 id="period-title" className="section-title">
          Period
        </h2>
        <div className="chart-grid">
          <div className="field">
            <label htmlFor="analytics-from">From</label>
            <input id="analytics-from" type="date" value={range.from} max={range.to} required onChange={(e) => e.target.value && setRange({ ...range, from: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="analytics-to">To (included)</label>
            <input id="analytics-to" type="date" value={range.to} min={range.from} required onChange={(e) => e.target.value && setRange({ ...range, to: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="analytics-price">Price of a credit (USD), for the margin</label>
            <input id="analytics-price" inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value.trim())} aria-describedby="analytics-price-hint" />
            <p id="analytics-price-hint" className="field-hint">
              Credits have no price yet: margins are worked out at this one{validPrice !== price ? ` (not a price: using ${DEFAULT_PRICE})` : ""}.
            </p>
          </div>
        </div>
        <div className="page-head">
          <fieldset className="segmented">
            <legend className="visually-hidden">Quick periods</legend>
            {[7, 30, 90, 365].map((days) => (
              <button key={days} type="button" className="button secondary" onClick={() => setRange(lastDays(days))}>
                Last {days} days
              </button>
            ))}
          </fieldset>
          <fieldset className="segmented">
            <legend className="visually-hidden">Granularity</legend>
            {(["day", "week", "month"] as const).map((g) => (
              <label key={g} data-selected={granularity === g}>
                <input type="radio" name="analytics-granularity" value={g} checked={granularity === g} onChange={() => setGranularity(g)} />
                {granularityNames[g]}
              </label>
            ))}
          </fieldset>
        </div>
        {error && (
          <p className="field-error" role="alert">
            Could not load the analytics: {error.message}
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="totals-title">
        <h2 id="totals-title">
          {range.from} to {range.to}
        </h2>
        {!total && !error && <p>Loading…</p>}
        {total && (
          <dl className="stat-grid" aria-live="polite" data-testid="analytics-totals">
            <div>
              <dt>Active users</dt>
              <dd>{number.format(total.activeUsers)}</dd>
            </div>
            <div>
              <dt>New users</dt>
              <dd>{number.format(total.newUsers)}</dd>
            </div>
            <div>
              <dt>Calls</dt>
              <dd>{number.format(total.calls)}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>{number.format(total.tokens)}</dd>
            </div>
            <div>
              <dt>Credits billed</dt>
              <dd>{formatCredits(total.credits)}</dd>
            </div>
            <div>
              <dt>Provider cost</dt>
              <dd>{usd(total.costUsd)}</dd>
            </div>
            <div>
              <dt>Cost per credit</dt>
              <dd>{usd(total.costPerCreditUsd)}</dd>
            </div>
            <div>
              <dt>Margin at {usd(total.usdPerCredit)}/credit</dt>
              <dd>
                {usd(total.marginUsd)} <span className="muted">({percent(total.marginRate)})</span>
              </dd>
            </div>
          </dl>
        )}
        <p className="field-hint">
          Active users made at least one model call. Cost per credit is what the providers charged for each credit billed (the price below which a credit loses
          money); the margin is the credits at the price above minus that cost.
        </p>
      </section>

      <div className="chart-grid">
        {active.data && (
          <DataFigure
            title="Active users: DAU, WAU and MAU"
            testId="chart-active"
            fileName={`active-users_${suffix}.csv`}
            columns={[{ header: "Day (UTC)" }, { header: "DAU", num: true }, { header: "WAU (7 days)", num: true }, { header: "MAU (30 days)", num: true }]}
            rows={active.data.days.map((d) => [d.day, d.dau, d.wau, d.mau])}
            note="Each day: the users active that day, in the 7 days and in the 30 days ending that day."
            chart={
              <LineChart responsive style={{ width: "100%", height: 240 }} data={active.data.days} margin={{ top: 8, right: 12, bottom: 4, left: 4 }} accessibilityLayer={false}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
                <YAxis allowDecimals={false} width={48} />
                <Tooltip wrapperClassName="chart-tooltip" />
                <Legend />
                <Line type="monotone" dataKey="dau" name="DAU" stroke={colors.a} dot={false} isAnimationActive={false} />
                <Line type="monotone" dataKey="wau" name="WAU" stroke={colors.b} strokeDasharray="6 3" dot={false} isAnimationActive={false} />
                <Line type="monotone" dataKey="mau" name="MAU" stroke={colors.c} strokeDasharray="2 2" dot={false} isAnimationActive={false} />
              </LineChart>
            }
          />
        )}
        {overview.data && (
          <DataFigure
            title={`Credits billed against provider cost, by ${granularity}`}
            testId="chart-money"
            fileName={`activity-by-${granularity}_${suffix}.csv`}
            columns={[
              { header: bucketHeader[granularity] },
              { header: "Active users", num: true },
              { header: "New users", num: true },
              { header: "Calls", num: true },
              { header: "Tokens", num: true },
              { header: "Credits", num: true },
              { header: "Provider cost (USD)", num: true },
              { header: "Credits at price (USD)", num: true },
              { header: "Margin (USD)", num: true },
            ]}
            rows={overview.data.buckets.map((b) => [b.start, b.activeUsers, b.newUsers, b.calls, b.tokens, b.credits, b.costUsd, b.revenueUsd, b.marginUsd])}
            note={`Credits are shown in USD at ${usd(overview.data.usdPerCredit)} a credit, beside what the providers charged.`}
            chart={
              <BarChart
                responsive
                style={{ width: "100%", height: 240 }}
                data={overview.data.buckets.map((b) => ({ start: b.start, revenue: Number(b.revenueUsd), cost: Number(b.costUsd) }))}
                margin={{ top: 8, right: 12, bottom: 4, left: 4 }}
                accessibilityLayer={false}
              >
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="start" tickFormatter={(d: string) => (granularity === "month" ? d.slice(0, 7) : d.slice(5))} minTickGap={16} />
                <YAxis width={56} />
                <Tooltip wrapperClassName="chart-tooltip" formatter={(v) => usd(String(v))} />
                <Legend />
                <Bar dataKey="revenue" name="Credits at price (USD)" fill={colors.a} isAnimationActive={false} maxBarSize={24} />
                <Bar dataKey="cost" name="Provider cost (USD)" fill={colors.e} isAnimationActive={false} maxBarSize={24} />
              </BarChart>
            }
          />
        )}
        {byModel.data && <BreakdownFigure title="Credits by model" testId="chart-model" fileName={`by-model_${suffix}.csv`} dimension="Model" data={byModel.data} />}
        {byProvider.data && (
          <BreakdownFigure title="Credits by provider" testId="chart-provider" fileName={`by-provider_${suffix}.csv`} dimension="Provider" data={byProvider.data} />
        )}
        {byUser.data && (
          <BreakdownFigure
            title="Top users by credits"
            testId="chart-users"
            fileName={`top-users_${suffix}.csv`}
            dimension="User"
            data={byUser.data}
            note={`The ${byUser.data.rows.length} largest of ${number.format(byUser.data.groups)} users with calls in the period.`}
          />
        )}
        {models.data && (
          <DataFigure
            title="Latency and errors by model"
            testId="chart-latency"
            fileName={`models_${suffix}.csv`}
            columns={[
              { header: "Model" },
              { header: "Providers" },
              { header: "Calls", num: true },
              { header: "Error rate", num: true },
              { header: "Timeout rate", num: true },
              { header: "Rate limited", num: true },
              { header: "Cancelled", num: true },
              { header: "Latency p50 (ms)", num: true },
              { header: "Latency p95 (ms)", num: true },
              { header: "First token p50 (ms)", num: true },
              { header: "First token p95 (ms)", num: true },
            ]}
            rows={models.data.models.map((m) => [m.model, m.providers, m.calls, percent(m.errorRate), percent(m.timeoutRate), m.rateLimited, m.cancelled, m.latencyP50Ms, m.latencyP95Ms, m.ttftP50Ms, m.ttftP95Ms])}
            note="Latency and time to first token of successful calls; failures count in the rates."
            chart={
              <BarChart
                responsive
                style={{ width: "100%", height: Math.max(160, 48 * models.data.models.length + 60) }}
                data={models.data.models}
                layout="vertical"
                margin={{ top: 8, right: 12, bottom: 4, left: 4 }}
                accessibilityLayer={false}
              >
                <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                <XAxis type="number" tickFormatter={(v: number) => `${v} ms`} />
                <YAxis type="category" dataKey="model" width={110} tickFormatter={(l: string) => truncate(l, 14)} />
                <Tooltip wrapperClassName="chart-tooltip" formatter={(v) => msText(Number(v))} />
                <Legend />
                <Bar dataKey="ttftP50Ms" name="First token p50" fill={colors.f} isAnimationActive={false} maxBarSize={10} />
                <Bar dataKey="latencyP50Ms" name="Latency p50" fill={colors.a} isAnimationActive={false} maxBarSize={10} />
                <Bar dataKey="latencyP95Ms" name="Latency p95" fill={colors.b} isAnimationActive={false} maxBarSize={10} />
              </BarChart>
            }
          />
        )}
        {turns.data && (
          <DataFigure
            title="Turns by mode and status"
            testId="chart-turns"
            fileName={`turns_${suffix}.csv`}
            columns={[
              { header: "Mode" },
              { header: "Completed", num: true },
              { header: "Partial", num: true },
              { header: "Failed", num: true },
              { header: "Cancelled", num: true },
              { header: "Running", num: true },
              { header: "Queued", num: true },
              { header: "Total", num: true },
            ]}
            rows={turns.data.total === 0 ? [] : turns.data.byMode.map((m) => [m.mode, m.completed, m.partial, m.failed, m.cancelled, m.running, m.queued, m.total])}
            empty="No turns in this period."
            chart={
              <BarChart responsive style={{ width: "100%", height: 220 }} data={turns.data.byMode} margin={{ top: 8, right: 12, bottom: 4, left: 4 }} accessibilityLayer={false}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="mode" />
                <YAxis allowDecimals={false} width={48} />
                <Tooltip wrapperClassName="chart-tooltip" />
                <Legend />
                {(Object.keys(statusColors) as (keyof typeof statusColors)[]).map((s) => (
                  <Bar key={s} dataKey={s} name={s} stackId="status" fill={statusColors[s]} isAnimationActive={false} maxBarSize={48} />
                ))}
              </BarChart>
            }
          />
        )}
      </div>
    </div>
  );
}
