"use client";

import { useState, type FormEvent } from "react";
import { TableHead } from "@/components/table-head.tsx";
import { api } from "@/trpc/react.tsx";
import styles from "./audit.module.css";

export interface AuditFilters {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
}

/** A before or after value, readable: strings as they are, the rest as compact JSON. */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

const at = (d: Date) => d.toISOString().slice(0, 19).replace("T", " ") + " UTC";

/** `/admin/audit`: every admin write, newest first, filtered by actor, action and target. */
export function AuditLog(props: { initial: AuditFilters }) {
  const [draft, setDraft] = useState<AuditFilters>(props.initial);
  const [applied, setApplied] = useState<AuditFilters>(props.initial);
  const facets = api.admin.audit.facets.useQuery();
  const input = {
    actor: applied.actor.trim() || undefined,
    action: applied.action || undefined,
    targetType: applied.targetType || undefined,
    targetId: applied.targetId.trim() || undefined,
    limit: 50,
  };
  const list = api.admin.audit.list.useInfiniteQuery(input, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const families = [...new Set((facets.data?.actions ?? []).map((a) => `${a.split(".")[0]}.`))];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
  };
  const clear = () => {
    const empty = { actor: "", action: "", targetType: "", targetId: "" };
    setDraft(empty);
    setApplied(empty);
  };
  const field = (key: keyof AuditFilters) => ({ value: draft[key], onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })) });

  return (
    <div className="stack">
      <div>
        <h1>Audit log</h1>
        <p className="lede">Every change made in the console or by the operator CLI: who, what, and the values before and after.</p>
      </div>

      <form className={styles.filters} role="search" aria-label="Audit log" onSubmit={submit}>
        <div className="field">
          <label htmlFor="audit-actor">Actor</label>
          <input id="audit-actor" type="search" placeholder="e-mail, cli" autoComplete="off" {...field("actor")} />
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" {...field("action")}>
            <option value="">Any</option>
            {families.map((f) => (
              <option key={f} value={f}>
                {f}* (all)
              </option>
            ))}
            {(facets.data?.actions ?? []).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
            {draft.action && !families.includes(draft.action) && !facets.data?.actions.includes(draft.action) && <option value={draft.action}>{draft.action}</option>}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-target-type">Target type</label>
          <select id="audit-target-type" {...field("targetType")}>
            <option value="">Any</option>
            {(facets.data?.targetTypes ?? []).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
            {draft.targetType && !facets.data?.targetTypes.includes(draft.targetType) && <option value={draft.targetType}>{draft.targetType}</option>}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-target-id">Target</label>
          <input id="audit-target-id" type="search" placeholder="id or key" autoComplete="off" {...field("targetId")} />
        </div>
        <div className={styles.buttons}>
          <button type="submit" className="button">
            Filter
          </button>
          <button type="button" className="button secondary" onClick={clear}>
            Clear
          </button>
        </div>
      </form>

      {list.error && (
        <p className="alert error" role="alert">
          Could not load the audit log: {list.error.message}
        </p>
      )}
      {list.isLoading && <p role="status">Loading…</p>}
      {list.data && items.length === 0 && <p className="muted">No changes match these filters.</p>}

      {items.length > 0 && (
        <div className="table-wrap">
          <table className={`list ${styles.entries}`} aria-label="Audit log entries">
            <TableHead columns={["When", "Actor", "Action", "Target", "Changes"]} />
            <tbody>
              {items.map((row) => (
                <tr key={row.id} data-testid="audit-row">
                  <td data-label="When" className={styles.when}>
                    {at(row.createdAt)}
                  </td>
                  <td data-label="Actor" className={styles.mono}>
                    {row.actorLabel}
                  </td>
                  <td data-label="Action" className={styles.mono}>
                    {row.action}
                  </td>
                  <td data-label="Target" className={styles.mono}>
                    {row.targetType} {row.targetId}
                  </td>
                  <td data-label="Changes">
                    {row.changes.length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      <ul className={styles.changes}>
                        {row.changes.map((c) => (
                          <li key={c.key}>
                            <span className={styles.changeKey}>{c.key}</span>:{" "}
                            {c.before !== null && (
                              <>
                                <del className={styles.before}>{showValue(c.before)}</del> →{" "}
                              </>
                            )}
                            <ins className={styles.after}>{showValue(c.after)}</ins>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage && (
        <button type="button" className="button secondary" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {list.isFetchingNextPage ? "Loading…" : "Show older"}
        </button>
      )}
    </div>
  );
}
