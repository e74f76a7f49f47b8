"use client";

import { useId } from "react";
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { formatCredits } from "./credits.ts";

export interface ChartRow {
  key: string;
  label: string;
  /** Exact credits from the API. */
  credits: string;
  calls: number;
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A bar chart of credits with its table alternative. The chart is for the eye (credits become
 * numbers only to be drawn); the table under it, in a disclosure, has the same figures, exact, for
 * screen readers and keyboards.
 */
export function CreditsChart(props: { title: string; rows: ChartRow[]; layout: "days" | "categories"; labelHeader: string; testId: string }) {
  const titleId = useId();
  const data = props.rows.map((row) => ({ ...row, value: Number(row.credits) }));
  const days = props.layout === "days";
  const height = days ? 220 : Math.max(120, 36 * data.length + 40);
  return (
    <figure className="chart-card" aria-labelledby={titleId} data-testid={props.testId}>
      <figcaption id={titleId} className="chart-title">
        {props.title}
      </figcaption>
      {/* The table below says the same, exactly; the picture is skipped by screen readers. */}
      <div className="usage-chart" aria-hidden="true">
        <BarChart
          responsive
          style={{ width: "100%", height }}
          data={data}
          layout={days ? "horizontal" : "vertical"}
          margin={{ top: 8, right: 12, bottom: 4, left: 4 }}
          accessibilityLayer={false}
        >
          <CartesianGrid strokeDasharray="3 3" vertical={!days} horizontal={days} />
          {days ? (
            <>
              <XAxis dataKey="label" tickFormatter={(d: string) => d.slice(5)} minTickGap={16} />
              <YAxis tickFormatter={(v: number) => String(v)} width={56} />
            </>
          ) : (
            <>
              <XAxis type="number" tickFormatter={(v: number) => String(v)} />
              <YAxis type="category" dataKey="label" width={110} tickFormatter={(l: string) => truncate(l, 14)} />
            </>
          )}
          <Tooltip
            formatter={(_value, _name, item) => [formatCredits((item.payload as ChartRow).credits), "Credits"]}
            labelFormatter={(label) => String(label)}
            wrapperClassName="chart-tooltip"
          />
          <Bar dataKey="value" name="Credits" isAnimationActive={false} maxBarSize={days ? 24 : 28} />
        </BarChart>
      </div>
      <details className="chart-table">
        <summary>Table: {props.title.toLowerCase()}</summary>
        <div className="table-wrap" tabIndex={0} role="region" aria-label={`${props.title} (table)`}>
          <table className="list compact">
            <caption className="visually-hidden">{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">{props.labelHeader}</th>
                <th scope="col" className="num">
                  Credits
                </th>
                <th scope="col" className="num">
                  Calls
                </th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr key={row.key}>
                  <th scope="row">{row.label}</th>
                  <td className="num">{formatCredits(row.credits)}</td>
                  <td className="num">{row.calls}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
