"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { TableHead } from "@/components/table-head.tsx";
import { formatCredits } from "@/components/usage/credits.ts";
import { api } from "@/trpc/react.tsx";
import { ago } from "../models/format.ts";
import styles from "./users.module.css";

const roles = ["user", "analyst", "owner"] as const;
const statuses = ["active", "suspended"] as const;
type Role = (typeof roles)[number];
type Status = (typeof statuses)[number];

interface Filters {
  search: string;
  role: Role | "";
  status: Status | "";
}

export function StatusBadge(props: { status: string }) {
  return (
    <span className={styles.badge} data-tone={props.status === "suspended" ? "bad" : undefined}>
      {props.status === "suspended" ? "Suspended" : "Active"}
    </span>
  );
}

export function RoleBadge(props: { role: string }) {
  return (
    <span className={styles.badge} data-tone={props.role === "user" ? undefined : "accent"}>
      {props.role[0]!.toUpperCase() + props.role.slice(1)}
    </span>
  );
}

/** `/admin/users`: search by e-mail or name, filter by role and status, newest first, a page at a time. */
export function UsersList() {
  const [draft, setDraft] = useState<Filters>({ search: "", role: "", status: "" });
  const [applied, setApplied] = useState<Filters>(draft);
  const input = { search: applied.search.trim() || undefined, role: applied.role || undefined, status: applied.status || undefined, limit: 25 };
  const list = api.admin.users.list.useInfiniteQuery(input, { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 5_000 });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
  };
  const filtered = Boolean(applied.search.trim() || applied.role || applied.status);

  return (
    <div className="stack">
      <div>
        <h1>Users</h1>
        <p className="lede">Find a user to see their role, status, wallet, usage and caps.</p>
      </div>

      <form className={styles.filters} role="search" aria-label="Users" onSubmit={submit}>
        <div className={`field ${styles.search}`}>
          <label htmlFor="users-search">E-mail or name</label>
          <input id="users-search" type="search" value={draft.search} maxLength={200} onChange={(e) => setDraft({ ...draft, search: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="users-role">Role</label>
          <select id="users-role" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Filters["role"] })}>
            <option value="">Any role</option>
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="users-status">Status</label>
          <select id="users-status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value as Filters["status"] })}>
            <option value="">Any status</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="row">
          <button type="submit" className="button small">
            Search
          </button>
          {filtered && (
            <button
              type="button"
              className="button secondary small"
              onClick={() => {
                const cleared: Filters = { search: "", role: "", status: "" };
                setDraft(cleared);
                setApplied(cleared);
              }}
            >
              Clear
            </button>
          )}
        </div>
      </form>

      {list.error && (
        <p className="alert error" role="alert">
          Could not load users: {list.error.message}
        </p>
      )}
      <p className="muted" role="status" aria-live="polite">
        {list.isLoading ? "Loading users…" : list.data ? `${items.length}${list.hasNextPage ? "+" : ""} ${items.length === 1 ? "user" : "users"}${filtered ? " match" : ""}.` : ""}
      </p>

      {items.length > 0 && (
        <div className="table-wrap">
          <table className="list" data-testid="users-table">
            <caption className="visually-hidden">Users, newest first</caption>
            <TableHead columns={["E-mail", "Name", "Role", "Status", { label: "Balance", num: true }, "Last active", "Joined"]} />
            <tbody>
              {items.map((u) => (
                <tr key={u.id}>
                  <th scope="row" className={styles.email}>
                    <Link href={`/admin/users/${u.id}`}>{u.email ?? u.id}</Link>
                  </th>
                  <td>{u.name ?? ""}</td>
                  <td>
                    <RoleBadge role={u.role} />
                  </td>
                  <td>
                    <StatusBadge status={u.status} />
                  </td>
                  <td className="num">{u.balance === null ? <span className="muted">No wallet yet</span> : formatCredits(u.balance)}</td>
                  <td>{u.lastActiveAt ? <time dateTime={u.lastActiveAt.toISOString()}>{ago(u.lastActiveAt)}</time> : <span className="muted">Never</span>}</td>
                  <td>
                    <time dateTime={u.createdAt.toISOString()}>{u.createdAt.toISOString().slice(0, 10)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage && (
        <div>
          <button type="button" className="button secondary small" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            {list.isFetchingNextPage ? "Loading…" : "Show more users"}
          </button>
        </div>
      )}
    </div>
  );
}
