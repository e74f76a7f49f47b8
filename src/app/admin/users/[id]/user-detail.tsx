"use client";

import Link from "next/link";
import { useRef, useState, type FormEvent } from "react";
import { fieldErrorsOfError, formMessage } from "../../models/errors.ts";
import { TableHead } from "@/components/table-head.tsx";
import { creditsText, formatCredits } from "@/components/usage/credits.ts";
import { useHydrated } from "@/components/use-hydrated.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { ago } from "../../models/format.ts";
import { RoleBadge, StatusBadge } from "../users-list.tsx";
import { PlanSection } from "./plan-section.tsx";
import styles from "../users.module.css";

type Detail = RouterOutputs["admin"]["users"]["byId"];
type Role = Detail["user"]["role"];
const roles: Role[] = ["user", "analyst", "owner"];

const when = (d: Date | null) => (d ? <time dateTime={d.toISOString()}>{ago(d)}</time> : <span className="muted">Never</span>);
const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** One message for a form: its error (announced) or its success (polite). */
function Outcome(props: { error: string | null; notice: string | null }) {
  return (
    <>
      {props.error && (
        <p className="field-error" role="alert">
          {props.error}
        </p>
      )}
      <p className={styles.notice} role="status">
        {props.notice ?? ""}
      </p>
    </>
  );
}

function AccountSection(props: { detail: Detail; canWrite: boolean; isSelf: boolean; refresh: () => Promise<void> }) {
  const { user } = props.detail;
  const hydrated = useHydrated();
  const [role, setRole] = useState<Role>(user.role);
  const [notice, setNotice] = useState<string | null>(null);
  // The saved role changed (this form, another owner): the select follows it.
  const [savedRole, setSavedRole] = useState(user.role);
  if (savedRole !== user.role) {
    setSavedRole(user.role);
    setRole(user.role);
  }
  const onDone = (text: string) => async () => {
    setNotice(text);
    await props.refresh();
  };
  const suspend = api.admin.users.suspend.useMutation();
  const reactivate = api.admin.users.reactivate.useMutation();
  const setRoleMutation = api.admin.users.setRole.useMutation();
  const error = suspend.error ?? reactivate.error ?? setRoleMutation.error;
  const suspended = user.status === "suspended";
  const disabled = !props.canWrite || !hydrated;

  const toggleStatus = () => {
    setNotice(null);
    if (suspended) {
      reactivate.reset();
      reactivate.mutate({ userId: user.id }, { onSuccess: onDone(`${user.email} is active again.`) });
      return;
    }
    if (!window.confirm(`Suspend ${user.email}? They are signed out everywhere at once, their API tokens stop working and their open pages stop updating.`)) return;
    suspend.reset();
    suspend.mutate({ userId: user.id }, { onSuccess: (r) => onDone(`${user.email} is suspended; ${r.sessionsRevoked} signed-in ${r.sessionsRevoked === 1 ? "session" : "sessions"} revoked.`)() });
  };
  const saveRole = (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    setRoleMutation.reset();
    setRoleMutation.mutate({ userId: user.id, role }, { onSuccess: (r) => onDone(`${r.email} is now ${r.role}.`)() });
  };

  return (
    <section className="card stack" aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <div className="row">
        <span>
          Status: <StatusBadge status={user.status} />
        </span>
        <button
          type="button"
          className={suspended ? "button secondary small" : "button danger small"}
          disabled={disabled || (props.isSelf && !suspended) || suspend.isPending || reactivate.isPending}
          onClick={toggleStatus}
          aria-describedby={props.isSelf && !suspended ? "self-note" : undefined}
        >
          {suspended ? "Reactivate" : "Suspend…"}
        </button>
        {props.isSelf && !suspended && (
          <span id="self-note" className="muted">
            You cannot suspend yourself.
          </span>
        )}
      </div>
      <form className={styles.form} onSubmit={saveRole}>
        <div className="field">
          <label htmlFor="user-role">Role</label>
          <select id="user-role" value={role} disabled={disabled} onChange={(e) => setRole(e.target.value as Role)} aria-describedby="user-role-hint">
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <p id="user-role-hint" className="field-hint">
            Owners act; analysts read the console and change nothing; users see no console.
          </p>
        </div>
        <div>
          <button type="submit" className="button small" disabled={disabled || role === user.role || setRoleMutation.isPending}>
            Save role
          </button>
        </div>
      </form>
      <Outcome error={error?.message ?? null} notice={notice} />
    </section>
  );
}

function WalletSection(props: { detail: Detail; canWrite: boolean; refresh: () => Promise<void> }) {
  const { wallet, user } = props.detail;
  const hydrated = useHydrated();
  const [direction, setDirection] = useState<"grant" | "debit">("grant");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  // One key per adjustment: a double submit or a retried request applies it once.
  const key = useRef<string | null>(null);
  const adjust = api.admin.users.adjustCredits.useMutation();
  const fields = fieldErrorsOfError(adjust.error);
  const disabled = !props.canWrite || !hydrated;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    // randomUUID needs a secure context (https or localhost); plain http gets a random key too.
    key.current ??= typeof crypto.randomUUID === "function" ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    adjust.mutate(
      { userId: user.id, direction, amount, reason, idempotencyKey: key.current },
      {
        onSuccess: async (r) => {
          key.current = null;
          setAmount("");
          setReason("");
          setNotice(`${direction === "grant" ? "Granted" : "Debited"} ${creditsText(r.amount.replace(/^-/, ""))}; the balance is now ${formatCredits(r.balanceAfter)}.`);
          await props.refresh();
        },
      },
    );
  };

  return (
    <section className="card stack" aria-labelledby="wallet-title">
      <h2 id="wallet-title">Wallet</h2>
      {wallet ? (
        <dl className={styles.facts}>
          <div>
            <dt>Balance</dt>
            <dd data-testid="user-balance">{formatCredits(wallet.balance)}</dd>
          </div>
          <div>
            <dt>Reserved</dt>
            <dd>{formatCredits(wallet.reserved)}</dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd>{formatCredits(wallet.available)}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted">No wallet yet: it is created with the signup grant on their first visit or send.</p>
      )}
      <form className={styles.form} onSubmit={submit} aria-labelledby="adjust-title" noValidate>
        <h3 id="adjust-title" className="section-title">
          Grant or debit credits
        </h3>
        <fieldset className={styles.choice} disabled={disabled}>
          <legend>Direction</legend>
          {(["grant", "debit"] as const).map((d) => (
            <label key={d}>
              <input type="radio" name="adjust-direction" value={d} checked={direction === d} onChange={() => setDirection(d)} />
              {d === "grant" ? "Grant (add)" : "Debit (take)"}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="adjust-amount">Credits</label>
          <input
            id="adjust-amount"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            disabled={disabled}
            required
            onChange={(e) => setAmount(e.target.value)}
            aria-invalid={fields.amount ? true : undefined}
            aria-describedby={fields.amount ? "adjust-amount-error adjust-amount-hint" : "adjust-amount-hint"}
          />
          <p id="adjust-amount-hint" className="field-hint">
            Up to 6 decimals. A debit cannot take more than the available credits.
          </p>
          {fields.amount && (
            <p id="adjust-amount-error" className="field-error">
              {fields.amount}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="adjust-reason">Reason</label>
          <textarea
            id="adjust-reason"
            rows={2}
            maxLength={500}
            value={reason}
            disabled={disabled}
            required
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={fields.reason ? true : undefined}
            aria-describedby={fields.reason ? "adjust-reason-error adjust-reason-hint" : "adjust-reason-hint"}
          />
          <p id="adjust-reason-hint" className="field-hint">
            Required. The user sees it in their transactions; the audit log keeps it.
          </p>
          {fields.reason && (
            <p id="adjust-reason-error" className="field-error">
              {fields.reason}
            </p>
          )}
        </div>
        <div>
          <button type="submit" className="button small" disabled={disabled || adjust.isPending}>
            {direction === "grant" ? "Grant credits" : "Debit credits"}
          </button>
        </div>
        <Outcome error={formMessage(adjust.error, fields)} notice={notice} />
      </form>
    </section>
  );
}

function CapsSection(props: { detail: Detail; canWrite: boolean; refresh: () => Promise<void> }) {
  const { caps, user } = props.detail;
  const hydrated = useHydrated();
  const [daily, setDaily] = useState(caps.dailyCap ?? "");
  const [monthly, setMonthly] = useState(caps.monthlyCap ?? "");
  const [notice, setNotice] = useState<string | null>(null);
  // The saved caps changed: the fields follow them.
  const saved = `${caps.dailyCap}|${caps.monthlyCap}`;
  const [seen, setSeen] = useState(saved);
  if (seen !== saved) {
    setSeen(saved);
    setDaily(caps.dailyCap ?? "");
    setMonthly(caps.monthlyCap ?? "");
  }
  const save = api.admin.users.setCaps.useMutation();
  const fields = fieldErrorsOfError(save.error);
  const disabled = !props.canWrite || !hydrated;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    save.mutate(
      { userId: user.id, dailyCap: daily.trim() || null, monthlyCap: monthly.trim() || null },
      {
        onSuccess: async (r) => {
          setNotice(`Caps saved: daily ${r.dailyCap ?? "none"}, monthly ${r.monthlyCap ?? "none"}.`);
          await props.refresh();
        },
      },
    );
  };
  const capField = (id: string, label: string, value: string, set: (v: string) => void, field: string, used: string, resetsAt: Date) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        inputMode="decimal"
        autoComplete="off"
        placeholder="No cap"
        value={value}
        disabled={disabled}
        onChange={(e) => set(e.target.value)}
        aria-invalid={fields[field] ? true : undefined}
        aria-describedby={`${id}-hint${fields[field] ? ` ${id}-error` : ""}`}
      />
      <p id={`${id}-hint`} className="field-hint">
        {formatCredits(used)} used; resets {utc(resetsAt)}.
      </p>
      {fields[field] && (
        <p id={`${id}-error`} className="field-error">
          {fields[field]}
        </p>
      )}
    </div>
  );

  return (
    <section className="card stack" aria-labelledby="caps-title">
      <h2 id="caps-title">Credit caps</h2>
      <p className="field-hint">
        What the user may burn per UTC day and month, counting what their calls in flight hold (now {formatCredits(caps.held)}). A send or a call that would pass a cap is refused. Leave a field empty for no cap.
      </p>
      <form className={styles.form} onSubmit={submit} noValidate>
        <div className={styles.pair}>
          {capField("cap-daily", "Daily cap (credits)", daily, setDaily, "dailyCap", caps.burnedToday, caps.dayResetsAt)}
          {capField("cap-monthly", "Monthly cap (credits)", monthly, setMonthly, "monthlyCap", caps.burnedThisMonth, caps.monthResetsAt)}
        </div>
        <div>
          <button type="submit" className="button small" disabled={disabled || save.isPending}>
            Save caps
          </button>
        </div>
        <Outcome error={formMessage(save.error, fields)} notice={notice} />
      </form>
    </section>
  );
}

function UsageSection(props: { detail: Detail }) {
  const { usage } = props.detail;
  return (
    <section className="card stack" aria-labelledby="usage-title">
      <h2 id="usage-title">Usage, last {usage.days} days</h2>
      <dl className={styles.facts}>
        <div>
          <dt>Credits</dt>
          <dd>{formatCredits(usage.credits)}</dd>
        </div>
        <div>
          <dt>Model calls</dt>
          <dd>{usage.calls.toLocaleString("en-US")}</dd>
        </div>
        <div>
          <dt>Tool calls</dt>
          <dd>{usage.toolCalls.toLocaleString("en-US")}</dd>
        </div>
      </dl>
      {usage.byModel.length > 0 ? (
        <div className="table-wrap">
          <table className="list compact">
            <caption className="visually-hidden">Usage by model, last {usage.days} days</caption>
            <TableHead columns={["Model", { label: "Calls", num: true }, { label: "Tokens", num: true }, { label: "Credits", num: true }]} />
            <tbody>
              {usage.byModel.map((m) => (
                <tr key={m.modelAlias}>
                  <th scope="row">{m.modelAlias}</th>
                  <td className="num">{m.calls.toLocaleString("en-US")}</td>
                  <td className="num">{m.tokens.toLocaleString("en-US")}</td>
                  <td className="num">{formatCredits(m.credits)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">No model calls in this period.</p>
      )}
    </section>
  );
}

function TransactionsSection(props: { detail: Detail }) {
  const { transactions } = props.detail;
  return (
    <section className="card stack" aria-labelledby="transactions-title">
      <h2 id="transactions-title">Recent transactions</h2>
      {transactions.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="list compact transactions" data-testid="user-transactions">
            <caption className="visually-hidden">The 20 newest transactions</caption>
            <TableHead columns={["When", "Kind", { label: "Amount", num: true }, { label: "Balance after", num: true }, "Note", "By"]} />
            <tbody>
              {transactions.map((x) => (
                <tr key={x.id}>
                  <td data-label="When">
                    <time dateTime={x.createdAt.toISOString()}>{utc(x.createdAt)}</time>
                  </td>
                  <td data-label="Kind">{x.kind.replace("_", " ")}</td>
                  <td data-label="Amount" className="num">
                    {formatCredits(x.amount)}
                  </td>
                  <td data-label="Balance after" className="num">
                    {formatCredits(x.balanceAfter)}
                  </td>
                  <td data-label="Note">{x.note}</td>
                  <td data-label="By">{x.initiatedBy ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** `/admin/users/[id]`: a user's facts, wallet, usage and caps; owners act on them, analysts only read. */
export function UserDetail(props: { userId: string; canWrite: boolean; selfId: string }) {
  const utils = api.useUtils();
  const detail = api.admin.users.byId.useQuery({ userId: props.userId }, { retry: false });
  const refresh = async () => {
    await Promise.all([utils.admin.users.byId.invalidate({ userId: props.userId }), utils.admin.users.list.invalidate()]);
  };

  if (detail.error) {
    return (
      <div className="stack">
        <h1>User</h1>
        <p className="alert error" role="alert">
          {detail.error.data?.code === "NOT_FOUND" || detail.error.data?.code === "BAD_REQUEST" ? "There is no such user." : `Could not load this user: ${detail.error.message}`}
        </p>
        <p>
          <Link href="/admin/users">Back to users</Link>
        </p>
      </div>
    );
  }
  if (!detail.data) return <p role="status">Loading user…</p>;
  const d = detail.data;
  return (
    <div className="stack">
      <p>
        <Link href="/admin/users">← Users</Link>
      </p>
      <div>
        <h1 className={styles.email}>{d.user.email ?? d.user.id}</h1>
        <p className="lede">
          {d.user.name ? `${d.user.name} · ` : ""}
          <RoleBadge role={d.user.role} /> <StatusBadge status={d.user.status} />
        </p>
      </div>
      {!props.canWrite && (
        <p className={`alert warn ${styles.readOnly}`} role="note">
          You have read-only access: only owners can change users.
        </p>
      )}
      <dl className={`card ${styles.facts}`}>
        <div>
          <dt>Joined</dt>
          <dd>
            <time dateTime={d.user.createdAt.toISOString()}>{d.user.createdAt.toISOString().slice(0, 10)}</time>
          </dd>
        </div>
        <div>
          <dt>Last active</dt>
          <dd>{when(d.lastActiveAt)}</dd>
        </div>
        <div>
          <dt>Rooms</dt>
          <dd>{d.roomsCount}</dd>
        </div>
        <div>
          <dt>Signed-in sessions</dt>
          <dd>{d.activeSessions}</dd>
        </div>
        <div>
          <dt>API tokens</dt>
          <dd>{d.activeTokens}</dd>
        </div>
      </dl>
      <div className={styles.sections}>
        <AccountSection detail={d} canWrite={props.canWrite} isSelf={d.user.id === props.selfId} refresh={refresh} />
        <WalletSection detail={d} canWrite={props.canWrite} refresh={refresh} />
        <CapsSection detail={d} canWrite={props.canWrite} refresh={refresh} />
        <PlanSection userId={d.user.id} canWrite={props.canWrite} refresh={refresh} />
        <UsageSection detail={d} />
      </div>
      <TransactionsSection detail={d} />
    </div>
  );
}
