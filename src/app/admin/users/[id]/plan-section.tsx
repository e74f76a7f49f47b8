"use client";

import { useState, type FormEvent } from "react";
import { formatCredits } from "@/components/usage/credits.ts";
import { useHydrated } from "@/components/use-hydrated.ts";
import { api } from "@/trpc/react.tsx";
import styles from "../users.module.css";

const day = (iso: string) => <time dateTime={iso}>{iso.slice(0, 10)}</time>;
const sourceLabel = { default: "Default plan (no subscription)", manual: "Assigned by hand", stripe: "Paid through Stripe" } as const;

/**
 * The user's plan and period, and (owners) a plan assigned by hand: a manual subscription whose
 * first period's credits are granted at once; the default plan ends it.
 */
export function PlanSection(props: { userId: string; canWrite: boolean; refresh: () => Promise<void> }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const current = api.admin.plans.forUser.useQuery({ userId: props.userId }, { retry: false });
  const plans = api.admin.plans.list.useQuery();
  const assign = api.admin.plans.assign.useMutation();
  const [choice, setChoice] = useState<string>("");
  const [notice, setNotice] = useState<string | null>(null);
  const sub = current.data;
  const managedByStripe = sub?.source === "stripe" && sub.paymentsConfigured;
  const selected = choice || sub?.plan.id || "";
  const disabled = !props.canWrite || !hydrated || assign.isPending || managedByStripe;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    if (!selected) return;
    assign.mutate(
      { userId: props.userId, planId: selected },
      {
        onSuccess: async (r) => {
          const granted = r.grant?.granted ? ` ${formatCredits(r.grant.amount)} credits granted for the first period.` : "";
          setNotice(!r.changed ? `Already on ${r.plan.name}; nothing changed.` : r.subscription ? `Now on ${r.plan.name} until ${r.subscription.currentPeriodEnd.slice(0, 10)}, renewed monthly.${granted}` : `Back on ${r.plan.name}.`);
          setChoice("");
          await Promise.all([utils.admin.plans.forUser.invalidate({ userId: props.userId }), props.refresh()]);
        },
      },
    );
  };

  return (
    <section className="card stack" aria-labelledby="plan-title">
      <h2 id="plan-title">Plan</h2>
      {current.error && (
        <p className="field-error" role="alert">
          Could not load the plan: {current.error.message}
        </p>
      )}
      {sub && (
        <dl className={styles.facts}>
          <div>
            <dt>Plan</dt>
            <dd data-testid="user-plan">{sub.plan.name}</dd>
          </div>
          <div>
            <dt>Source</dt>
            <dd>
              {sourceLabel[sub.source]}
              {sub.status === "past_due" ? " · payment past due" : ""}
            </dd>
          </div>
          {sub.currentPeriodStart && sub.currentPeriodEnd && (
            <div>
              <dt>Period</dt>
              <dd>
                {day(sub.currentPeriodStart)} to {day(sub.currentPeriodEnd)}
                {sub.cancelAtPeriodEnd ? " (ends then)" : ""}
              </dd>
            </div>
          )}
          <div>
            <dt>Credits / month</dt>
            <dd>{formatCredits(sub.plan.monthlyCredits)}</dd>
          </div>
        </dl>
      )}
      {props.canWrite && (
        <form className={styles.form} onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor="plan-assign">Assign a plan by hand</label>
            <select id="plan-assign" value={selected} disabled={disabled} onChange={(e) => setChoice(e.target.value)} aria-describedby="plan-assign-hint">
              {(plans.data?.plans ?? [])
                .filter((p) => p.active || p.id === sub?.plan.id)
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} · {formatCredits(p.monthlyCredits)} credits / month{p.isDefault ? " (default)" : ""}
                  </option>
                ))}
            </select>
            <p id="plan-assign-hint" className="field-hint">
              {managedByStripe
                ? "This plan is managed by Stripe: the user changes or cancels it in the billing portal."
                : "Starts a monthly period now and grants its credits at once; the next periods are granted on their start. The default plan ends the subscription."}
            </p>
          </div>
          <div>
            <button type="submit" className="button small" disabled={disabled || !selected}>
              Assign plan
            </button>
          </div>
          {assign.error && (
            <p className="field-error" role="alert">
              {assign.error.message}
            </p>
          )}
          <p className={styles.notice} role="status">
            {notice ?? ""}
          </p>
        </form>
      )}
    </section>
  );
}
