"use client";

import { useState } from "react";
import { StripeEventsAdmin } from "@/components/billing/stripe-events-admin.tsx";
import { TableHead } from "@/components/table-head.tsx";
import { useHydrated } from "@/components/use-hydrated.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { ago } from "../models/format.ts";
import { reportEntries } from "./report.ts";
import styles from "./jobs.module.css";

type Queue = RouterOutputs["admin"]["jobs"]["list"]["queues"][number];

const when = (at: Date | null) => (at ? `${ago(at)} (${at.toISOString().slice(0, 16).replace("T", " ")} UTC)` : "never");

function LastErrors(props: { queue: Queue; canWrite: boolean; onRetried: (message: string) => void }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const retry = api.admin.jobs.retry.useMutation({ onSettled: () => utils.admin.jobs.list.invalidate() });
  return (
    <section className="stack" aria-labelledby={`errors-${props.queue.name}`}>
      <h3 id={`errors-${props.queue.name}`} className={styles.message}>
        {props.queue.name}
      </h3>
      {retry.error && (
        <p className="field-error" role="alert">
          {retry.error.message}
        </p>
      )}
      <ul className={styles.errors}>
        {props.queue.lastErrors.map((e) => (
          <li key={e.id} className={styles.error} data-testid={`job-error-${e.id}`}>
            <div className={styles.errorHead}>
              <span className={styles.meta}>
                {e.state === "failed" ? "Failed" : "Will retry"} {when(e.at)} · job <code>{e.id}</code>
                {e.retryCount > 0 && ` · ${e.retryCount} ${e.retryCount === 1 ? "retry" : "retries"}`}
              </span>
              {e.state === "failed" && (
                <button
                  type="button"
                  className="button secondary small"
                  disabled={!props.canWrite || !hydrated || retry.isPending}
                  onClick={() => retry.mutate({ queue: props.queue.name, id: e.id }, { onSuccess: () => props.onRetried(`Job ${e.id} of ${props.queue.name} will run again.`) })}
                >
                  Retry<span className="visually-hidden"> job {e.id}</span>
                </button>
              )}
            </div>
            <p className={styles.message}>{e.error}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function JobsAdmin(props: { canWrite: boolean }) {
  const list = api.admin.jobs.list.useQuery(undefined, { refetchInterval: 10_000 });
  const [notice, setNotice] = useState<string | null>(null);
  const queues = list.data?.queues ?? [];
  const withErrors = queues.filter((q) => q.lastErrors.length > 0);

  return (
    <div className="stack">
      <div>
        <h1>Jobs</h1>
        <p className="lede">The worker&apos;s queues, read from pg-boss every 10 seconds: what waits, runs and failed, the last errors, and what each nightly purge removed.</p>
      </div>
      {!props.canWrite && (
        <p className="alert warn" data-testid="read-only">
          Read-only: analysts see everything here; only owners can retry a job.
        </p>
      )}
      {list.error && (
        <p className="alert error" role="alert">
          Could not load the jobs: {list.error.message}
        </p>
      )}
      {list.isLoading && <p role="status">Loading…</p>}
      <p className={styles.notice} role="status" aria-live="polite">
        {notice}
      </p>

      {list.data && (
        <section className="card stack" aria-labelledby="queues-title">
          <div>
            <h2 id="queues-title">Queues</h2>
            <p className="field-hint">Waiting counts jobs not yet started, including those that will be retried after an error; retried counts the jobs kept that needed more than one try.</p>
          </div>
          <div className="table-wrap">
            <table className="list compact">
              <TableHead
                columns={["Queue", { label: "Waiting", num: true }, { label: "Running", num: true }, { label: "Failed", num: true }, { label: "Retried", num: true }, { label: "Completed", num: true }]}
              />
              <tbody>
                {queues.map((q) => (
                  <tr key={q.name} data-testid={`queue-${q.name}`}>
                    <th scope="row" data-label="Queue">
                      <code>{q.name}</code>
                    </th>
                    <td className="num" data-label="Waiting">
                      {q.waiting}
                      {q.retrying > 0 && <span className="muted"> ({q.retrying} to retry)</span>}
                    </td>
                    <td className="num" data-label="Running">
                      {q.active}
                    </td>
                    <td className="num" data-label="Failed">
                      {q.failed > 0 ? <span className={styles.bad}>{q.failed}</span> : 0}
                    </td>
                    <td className="num" data-label="Retried">
                      {q.retried}
                    </td>
                    <td className="num" data-label="Completed">
                      {q.completed}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      {list.data && (
        <section className="card stack" aria-labelledby="errors-title">
          <h2 id="errors-title">Last errors</h2>
          {withErrors.length === 0 ? (
            <p className="muted">No job has failed recently.</p>
          ) : (
            withErrors.map((q) => <LastErrors key={q.name} queue={q} canWrite={props.canWrite} onRetried={setNotice} />)
          )}
        </section>
      )}

      <StripeEventsAdmin />

      {list.data && (
        <section className="card stack" aria-labelledby="reports-title">
          <div>
            <h2 id="reports-title">Purges</h2>
            <p className="field-hint">What the latest run of each nightly purge removed (retention settings are on the Settings page).</p>
          </div>
          <div className={styles.reports}>
            {list.data.purgeReports.map((r) => (
              <div key={r.queue} className={styles.report} data-testid={`report-${r.queue}`}>
                <h3>{r.queue}</h3>
                <span className="muted">Last run: {when(r.completedAt)}</span>
                {r.report && (
                  <dl className={styles.facts}>
                    {reportEntries(r.report).map(([label, value]) => (
                      <div key={label}>
                        <dt>{label}</dt>
                        <dd>{value}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </div>
            ))}
          </div>
        </section>
      )}
    </div>
  );
}
