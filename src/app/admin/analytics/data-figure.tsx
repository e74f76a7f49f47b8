"use client";

import { useId, type ReactNode } from "react";
import { downloadCsv, toCsv, type Cell } from "./csv.ts";

export interface FigureColumn {
  header: string;
  /** Right-aligned (a number). */
  num?: boolean;
}

/**
 * A chart with its table alternative and the table as CSV. The chart is for the eye and hidden
 * from screen readers; the table under it (in a disclosure) has the same figures, exact, and the
 * button saves exactly what the table shows.
 */
export function DataFigure(props: { title: string; testId: string; fileName: string; columns: FigureColumn[]; rows: Cell[][]; chart: ReactNode; note?: ReactNode; empty?: string }) {
  const titleId = useId();
  const csv = () => downloadCsv(props.fileName, toCsv(props.columns.map((c) => c.header), props.rows));
  return (
    <figure className="chart-card" aria-labelledby={titleId} data-testid={props.testId}>
      <figcaption id={titleId} className="chart-title">
        {props.title}
      </figcaption>
      {props.rows.length === 0 ? (
        <p className="muted">{props.empty ?? "Nothing in this period."}</p>
      ) : (
        <>
          <div className="usage-chart" aria-hidden="true">
            {props.chart}
          </div>
          {props.note && <p className="field-hint">{props.note}</p>}
          <details className="chart-table">
            <summary>Table: {props.title.toLowerCase()}</summary>
            <div className="table-wrap" tabIndex={0} role="region" aria-label={`${props.title} (table)`}>
              <table className="list compact">
                <caption className="visually-hidden">{props.title}</caption>
                <thead>
                  <tr>
                    {props.columns.map((c) => (
                      <th key={c.header} scope="col" className={c.num ? "num" : undefined}>
                        {c.header}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {props.rows.map((row, i) => (
                    <tr key={i}>
                      {row.map((value, j) =>
                        j === 0 ? (
                          <th key={j} scope="row">
                            {value ?? "—"}
                          </th>
                        ) : (
                          <td key={j} className={props.columns[j]?.num ? "num" : undefined}>
                            {value ?? "—"}
                          </td>
                        ),
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
      <div>
        <button type="button" className="button secondary" onClick={csv} disabled={props.rows.length === 0} data-testid={`${props.testId}-csv`}>
          Download CSV<span className="visually-hidden">: {props.title}</span>
        </button>
      </div>
    </figure>
  );
}
