"use client";

import { useRef, useState, type FormEvent, type InputHTMLAttributes, type ReactNode } from "react";
import { TableHead } from "@/components/table-head.tsx";
import { formatCredits } from "@/components/usage/credits.ts";
import { useHydrated } from "@/components/use-hydrated.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { fieldErrorsOfError, formMessage, type FormError } from "../models/errors.ts";
import { CreditPacksAdmin } from "./credit-packs-admin.tsx";
import { emptyPlanFields, fieldsOfPlan, planInputOf, priceLabel, type PlanFormFields } from "./plan-form.ts";
import styles from "./plans.module.css";

type Plan = RouterOutputs["admin"]["plans"]["list"]["plans"][number];

function rateLimits(plan: Plan): string {
  if (plan.rateLimitPerMinute === null && plan.rateLimitPerHour === null) return "Global";
  return `${plan.rateLimitPerMinute ?? "global"} / min · ${plan.rateLimitPerHour ?? "global"} / h`;
}

function PlanForm(props: { plan: Plan | null; onDone: (message: string) => void; onCancel: () => void }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const models = api.models.list.useQuery();
  const create = api.admin.plans.create.useMutation();
  const update = api.admin.plans.update.useMutation();
  const [fields, setFields] = useState<PlanFormFields>(props.plan ? fieldsOfPlan(props.plan) : emptyPlanFields);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [serverError, setServerError] = useState<FormError | null>(null);
  const busy = create.isPending || update.isPending;
  const prefix = props.plan ? `plan-${props.plan.key}` : "plan-new";
  const errors = { ...fieldErrorsOfError(serverError), ...localErrors };
  const set = (patch: Partial<PlanFormFields>) => setFields((f) => ({ ...f, ...patch }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setServerError(null);
    const parsed = planInputOf(fields);
    if (!parsed.ok) {
      setLocalErrors(parsed.errors);
      document.getElementById(`${prefix}-${Object.keys(parsed.errors)[0]}`)?.focus();
      return;
    }
    setLocalErrors({});
    try {
      const saved = props.plan
        ? await update.mutateAsync({ planId: props.plan.id, ...parsed.value })
        : await create.mutateAsync({ key: fields.key.trim(), ...(parsed.value as Omit<Parameters<typeof create.mutateAsync>[0], "key">) });
      await utils.admin.plans.list.invalidate();
      props.onDone(props.plan ? `Saved ${saved.name}. A change of monthly credits applies from each subscriber's next period.` : `Created ${saved.name}.`);
    } catch (error) {
      setServerError(error as FormError);
    }
  };

  const field = (name: keyof PlanFormFields | "priceCents", label: string, input: ReactNode, hint?: string) => {
    const id = `${prefix}-${name}`;
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        {input}
        {hint && (
          <p id={`${id}-hint`} className="field-hint">
            {hint}
          </p>
        )}
        {errors[name] && (
          <p id={`${id}-error`} className="field-error">
            {errors[name]}
          </p>
        )}
      </div>
    );
  };
  const described = (name: string, hint: boolean) => {
    const id = `${prefix}-${name}`;
    return [hint ? `${id}-hint` : null, errors[name] ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  };
  const text = (name: keyof PlanFormFields, extra: InputHTMLAttributes<HTMLInputElement> = {}, hint = false) => (
    <input
      id={`${prefix}-${name}`}
      value={fields[name] as string}
      disabled={busy}
      aria-invalid={errors[name] ? true : undefined}
      aria-describedby={described(name, hint)}
      onChange={(e) => set({ [name]: e.target.value } as Partial<PlanFormFields>)}
      {...extra}
    />
  );
  const message = formMessage(serverError, errors);

  return (
    <form className={styles.form} onSubmit={submit} noValidate aria-label={props.plan ? `Edit ${props.plan.name}` : "New plan"}>
      <div className={styles.pair}>
        {props.plan
          ? null
          : field("key", "Key", text("key", { autoComplete: "off", spellCheck: false, required: true }, true), "Stable name for scripts and the CLI: lowercase letters, digits, - and _. It cannot change later.")}
        {field("name", "Name", text("name", { required: true, maxLength: 80 }))}
      </div>
      <div className={styles.pair}>
        {field("monthlyCredits", "Credits per month", text("monthlyCredits", { inputMode: "decimal" }, true), "Granted at the start of each period.")}
        {field(
          "priceCents",
          "Price per month",
          <input
            id={`${prefix}-priceCents`}
            value={fields.price}
            inputMode="decimal"
            disabled={busy}
            aria-invalid={errors.priceCents ? true : undefined}
            aria-describedby={described("priceCents", true)}
            onChange={(e) => set({ price: e.target.value })}
          />,
          "In the currency below, like 9 or 9.90; 0 for free.",
        )}
        {field("currency", "Currency", text("currency", { maxLength: 3, spellCheck: false }))}
      </div>
      {field("stripePriceId", "Stripe price id", text("stripePriceId", { spellCheck: false, autoComplete: "off", placeholder: "price_…" }, true), "The recurring price Checkout sells this plan at. Empty: not for sale through Stripe.")}
      <fieldset className={styles.modelList} aria-describedby={`${prefix}-models-hint`}>
        <legend>Allowed models</legend>
        <p id={`${prefix}-models-hint`} className={`field-hint ${styles.wide}`}>
          None ticked: every model. The built-in offline model is always allowed.
        </p>
        {models.isLoading && <p role="status">Loading models…</p>}
        {(models.data ?? []).map((m) => (
          <label key={m.alias}>
            <input
              type="checkbox"
              checked={fields.allowedModels.includes(m.alias)}
              disabled={busy}
              onChange={(e) => set({ allowedModels: e.target.checked ? [...fields.allowedModels, m.alias] : fields.allowedModels.filter((a) => a !== m.alias) })}
            />
            {m.label} <span className="muted">({m.alias})</span>
          </label>
        ))}
        {errors.allowedModels && <p className={`field-error ${styles.wide}`}>{errors.allowedModels}</p>}
      </fieldset>
      <div className={styles.pair}>
        {field("rateLimitPerMinute", "Turns per minute", text("rateLimitPerMinute", { inputMode: "numeric" }, true), "Empty: the global setting.")}
        {field("rateLimitPerHour", "Turns per hour", text("rateLimitPerHour", { inputMode: "numeric" }, true), "Empty: the global setting.")}
      </div>
      <label className={styles.check}>
        <input type="checkbox" checked={fields.active} disabled={busy || props.plan?.isDefault} onChange={(e) => set({ active: e.target.checked })} aria-describedby={`${prefix}-active-hint`} />
        Active (offered to users)
      </label>
      <p id={`${prefix}-active-hint`} className="field-hint">
        {props.plan?.isDefault ? "The default plan is always active." : "An inactive plan is no longer offered; users already on it keep it."}
      </p>
      {errors.active && <p className="field-error">{errors.active}</p>}
      {message && (
        <p className="alert error" role="alert">
          {message}
        </p>
      )}
      <div className="row">
        <button type="submit" className="button" disabled={!hydrated || busy}>
          {props.plan ? "Save plan" : "Create plan"}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function PlansAdmin(props: { canWrite: boolean }) {
  const list = api.admin.plans.list.useQuery();
  const utils = api.useUtils();
  const setDefault = api.admin.plans.setDefault.useMutation();
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const plans = list.data?.plans ?? [];
  const editingPlan = editing && editing !== "new" ? (plans.find((p) => p.id === editing) ?? null) : null;

  const done = (message: string) => {
    setEditing(null);
    setNotice(message);
    headingRef.current?.focus();
  };
  const makeDefault = async (plan: Plan) => {
    setNotice(null);
    setError(null);
    try {
      await setDefault.mutateAsync({ planId: plan.id });
      await utils.admin.plans.list.invalidate();
      setNotice(`${plan.name} is now the default plan: everyone without a subscription is on it.`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1 ref={headingRef} tabIndex={-1}>
            Plans
          </h1>
          <p className="lede">
            What each plan grants every month, what it costs, which models its users may call and their rate limits. Everyone is on the default plan until they subscribe or an owner assigns them a
            plan (on their user page).
          </p>
        </div>
        {props.canWrite && editing === null && (
          <button
            type="button"
            className="button"
            onClick={() => {
              setNotice(null);
              setEditing("new");
            }}
          >
            New plan
          </button>
        )}
      </div>
      {!props.canWrite && (
        <p className="alert warn" data-testid="read-only">
          Read-only: analysts see everything here; only owners can change it.
        </p>
      )}
      {list.data && !list.data.paymentsConfigured && (
        <p className="alert warn">Payments are not configured on this server (no Stripe keys): plans are assigned by hand, and a scheduled job grants each period&apos;s credits.</p>
      )}
      {list.error && (
        <p className="alert error" role="alert">
          Could not load the plans: {list.error.message}
        </p>
      )}
      {error && (
        <p className="alert error" role="alert">
          {error}
        </p>
      )}
      <p className={styles.notice} role="status" aria-live="polite">
        {notice}
      </p>
      {list.isLoading && <p role="status">Loading…</p>}
      {editing !== null && (editing === "new" || editingPlan) && (
        <section className="card stack" aria-labelledby="plan-form-title">
          <h2 id="plan-form-title">{editingPlan ? `Edit ${editingPlan.name}` : "New plan"}</h2>
          <PlanForm key={editing} plan={editingPlan} onDone={done} onCancel={() => setEditing(null)} />
        </section>
      )}
      {plans.length > 0 && (
        <div className="table-wrap">
          <table className={`list ${styles.table}`} data-testid="plans-table">
            <caption className="visually-hidden">Plans, in the order users see them</caption>
            <TableHead
              columns={["Plan", { label: "Credits / month", num: true }, "Price", "Allowed models", "Rate limits", "Stripe price id", { label: "Subscribers", num: true }, "Status"]}
              actions={props.canWrite}
            />
            <tbody>
              {plans.map((p) => (
                <tr key={p.id} data-testid={`plan-${p.key}`}>
                  <th scope="row">
                    {p.name} <span className={`muted ${styles.code}`}>{p.key}</span>
                  </th>
                  <td className="num" data-label="Credits / month">
                    {formatCredits(p.monthlyCredits)}
                  </td>
                  <td data-label="Price">{priceLabel(p.priceCents, p.currency)}</td>
                  <td data-label="Allowed models" className={styles.models}>
                    {p.allowedModels.length === 0 ? <span className="muted">All models</span> : p.allowedModels.join(", ")}
                  </td>
                  <td data-label="Rate limits">{rateLimits(p)}</td>
                  <td data-label="Stripe price id">{p.stripePriceId ? <span className={styles.code}>{p.stripePriceId}</span> : <span className="muted">None</span>}</td>
                  <td className="num" data-label="Subscribers">
                    {p.subscribers}
                  </td>
                  <td data-label="Status">
                    {p.isDefault && (
                      <span className={styles.badge} data-tone="accent">
                        Default
                      </span>
                    )}
                    <span className={styles.badge} data-tone={p.active ? undefined : "muted"}>
                      {p.active ? "Active" : "Inactive"}
                    </span>
                  </td>
                  {props.canWrite && (
                    <td>
                      <div className="row">
                        <button
                          type="button"
                          className="button secondary small"
                          onClick={() => {
                            setNotice(null);
                            setEditing(p.id);
                          }}
                        >
                          Edit<span className="visually-hidden"> {p.name}</span>
                        </button>
                        {!p.isDefault && p.active && (
                          <button type="button" className="button secondary small" disabled={setDefault.isPending} onClick={() => void makeDefault(p)}>
                            Make default<span className="visually-hidden">: {p.name}</span>
                          </button>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreditPacksAdmin canWrite={props.canWrite} />
    </div>
  );
}
