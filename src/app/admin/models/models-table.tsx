"use client";

import { Fragment, useState } from "react";
import { TableHead, type Column } from "@/components/table-head.tsx";
import { useHydrated } from "@/components/use-hydrated.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { fieldErrorsOfError, formMessage } from "./errors.ts";
import { formatContext, formatTokens, formatUsd } from "./format.ts";
import { priceLabel } from "./price-label.tsx";
import styles from "./admin.module.css";

export type AdminModel = RouterOutputs["models"]["catalog"][number];

/** The models by provider, in the catalog's order (the offline model first). */
function byProvider(models: AdminModel[]): { provider: string; name: string; models: AdminModel[] }[] {
  const groups = new Map<string, { provider: string; name: string; models: AdminModel[] }>();
  for (const m of models) {
    const group = groups.get(m.provider) ?? { provider: m.provider, name: m.providerName, models: [] };
    group.models.push(m);
    groups.set(m.provider, group);
  }
  return [...groups.values()];
}

/** Prices per million tokens: a new pricing version for this one model. */
function PriceForm(props: { model: AdminModel; onDone: (version: number | null) => void }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const p = props.model.price;
  const [form, setForm] = useState({ multiplier: p?.multiplier ?? "1", input: p?.inputPerMTokUsd ?? "", cached: p?.cachedInputPerMTokUsd ?? "", output: p?.outputPerMTokUsd ?? "", note: "" });
  const save = api.models.setPrices.useMutation({
    onSuccess: async (result) => {
      await utils.models.invalidate();
      props.onDone(result.pricingVersion);
    },
  });
  const errors = fieldErrorsOfError(save.error);
  const message = formMessage(save.error, errors);
  const prefix = `price-${props.model.alias.replace(/[^a-z0-9_-]/g, "_")}`;
  const input = (name: keyof typeof form, label: React.ReactNode, hint?: string) => (
    <div className="field">
      <label htmlFor={`${prefix}-${name}`}>{label}</label>
      <input
        id={`${prefix}-${name}`}
        inputMode={name === "note" ? "text" : "decimal"}
        value={form[name]}
        onChange={(e) => setForm({ ...form, [name]: e.target.value })}
        aria-describedby={hint ? `${prefix}-${name}-hint` : undefined}
        autoFocus={name === "input"}
      />
      {hint && (
        <p id={`${prefix}-${name}-hint`} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
  return (
    <form
      className={styles.priceForm}
      aria-label={`Prices of ${props.model.alias}`}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          changes: [
            {
              alias: props.model.alias,
              price: { multiplier: form.multiplier.trim(), inputPerMTokUsd: form.input.trim(), cachedInputPerMTokUsd: form.cached.trim() || undefined, outputPerMTokUsd: form.output.trim() },
            },
          ],
          note: form.note,
        });
      }}
      noValidate
    >
      <div className={styles.fields}>
        <p className={`field-hint ${styles.fieldsHint}`}>Prices in USD per million tokens.</p>
        {input("input", priceLabel("Input price"))}
        {input("cached", priceLabel("Cached input price"), "Empty: same as input.")}
        {input("output", priceLabel("Output price"))}
        {input("multiplier", "Multiplier", "Scales the credits each call burns.")}
        {input("note", "Note (optional)")}
      </div>
      {message && (
        <p className="field-error" role="alert">
          Could not save the prices: {save.error?.data?.zodError ? "enter non-negative numbers (the multiplier with at most 4 decimals)." : message}
        </p>
      )}
      <div className="row">
        <button type="submit" className="button small" disabled={save.isPending || !hydrated}>
          {save.isPending ? "Saving…" : "Save prices"}
        </button>
        <button type="button" className="button secondary small" onClick={() => props.onDone(null)}>
          Cancel
        </button>
      </div>
      <p className="field-hint">Saving makes a new pricing version: calls started after it use the new prices, earlier calls keep theirs.</p>
    </form>
  );
}

const columns: Column[] = ["Model", { label: "Context", num: true }, { label: "Input /M", num: true }, { label: "Output /M", num: true }, { label: "Multiplier", num: true }, "Enabled", "Fallback"];

/**
 * Every model, grouped by provider: context window, prices per million tokens, multiplier, an
 * enabled toggle, a fallback, and "Edit prices". Analysts see the same, read-only.
 */
export function ModelsTable(props: { models: AdminModel[]; canWrite: boolean }) {
  const utils = api.useUtils();
  const hydrated = useHydrated();
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ alias: string; message: string } | null>(null);
  const update = api.models.update.useMutation({
    onMutate: () => setRowError(null),
    onError: (error, input) => setRowError({ alias: input.alias, message: error.message }),
    onSuccess: (_row, input) => setNotice(input.enabled !== undefined ? `${input.alias} ${input.enabled ? "enabled" : "disabled"}.` : `Fallback of ${input.alias} saved.`),
    onSettled: () => utils.models.invalidate(),
  });
  const versions = props.models.flatMap((m) => (m.price ? [m.price.pricingVersion] : []));
  const activeVersion = versions.length ? Math.max(...versions) : null;
  const closePrices = (alias: string, version: number | null) => {
    setEditing(null);
    if (version !== null) setNotice(`Prices of ${alias} saved: pricing version ${version} is active.`);
    requestAnimationFrame(() => document.getElementById(`edit-prices-${alias}`)?.focus());
  };

  return (
    <div className="stack">
      <p className="muted" data-testid="pricing-version">
        {activeVersion !== null ? `Prices are from pricing version ${activeVersion} (active).` : "No model has a price yet."} Prices are in USD per million tokens.
      </p>
      <p className={styles.notice} role="status" aria-live="polite">
        {notice}
      </p>
      {byProvider(props.models).map((group) => (
        <section key={group.provider} aria-labelledby={`models-of-${group.provider}`} className="stack">
          <h3 id={`models-of-${group.provider}`} className={styles.groupTitle}>
            {group.name}
          </h3>
          <div className="table-wrap">
            <table className={`list ${styles.modelsTable}`}>
              <TableHead columns={columns} actions={props.canWrite} />
              <tbody>
                {group.models.map((m) => (
                  <Fragment key={m.alias}>
                    <tr data-testid={`model-row-${m.alias}`}>
                      <th scope="row" data-label="Model">
                        <strong>{m.label}</strong>
                        <br />
                        <code>{m.alias}</code>
                        {m.providerModel !== m.alias && <span className="muted"> · {m.providerModel}</span>}
                        {m.unavailableReason && <span className={styles.reason}>Not usable: {m.unavailableReason}</span>}
                        {rowError?.alias === m.alias && (
                          <span className="field-error" role="alert">
                            {rowError.message}
                          </span>
                        )}
                      </th>
                      <td className="num" data-label="Context">
                        <span title={`${formatTokens(m.contextWindow)} tokens`}>{formatContext(m.contextWindow)}</span>
                      </td>
                      <td className="num" data-label="Input /M">
                        {m.price ? formatUsd(m.price.inputPerMTokUsd) : "—"}
                      </td>
                      <td className="num" data-label="Output /M">
                        {m.price ? formatUsd(m.price.outputPerMTokUsd) : "—"}
                      </td>
                      <td className="num" data-label="Multiplier">
                        {m.price ? `×${m.price.multiplier}` : "—"}
                      </td>
                      <td data-label="Enabled">
                        <label className={styles.check}>
                          <input
                            type="checkbox"
                            checked={m.enabled}
                            disabled={!props.canWrite || m.builtin || update.isPending || !hydrated}
                            onChange={(e) => update.mutate({ alias: m.alias, enabled: e.target.checked })}
                          />
                          <span className="visually-hidden">Enable {m.alias}</span>
                          <span aria-hidden="true">{m.enabled ? "On" : "Off"}</span>
                        </label>
                      </td>
                      <td data-label="Fallback">
                        {m.builtin ? (
                          <span className="muted">—</span>
                        ) : (
                          <select
                            className={styles.control}
                            aria-label={`Fallback for ${m.alias}`}
                            value={m.fallbackAlias ?? ""}
                            disabled={!props.canWrite || update.isPending || !hydrated}
                            onChange={(e) => update.mutate({ alias: m.alias, fallbackAlias: e.target.value || null })}
                          >
                            <option value="">None</option>
                            {props.models
                              .filter((other) => other.alias !== m.alias)
                              .map((other) => (
                                <option key={other.alias} value={other.alias}>
                                  {other.alias}
                                </option>
                              ))}
                          </select>
                        )}
                      </td>
                      {props.canWrite && (
                        <td data-label="Actions" className={styles.nowrap}>
                          {!m.builtin && (
                            <button
                              type="button"
                              id={`edit-prices-${m.alias}`}
                              className="button secondary small"
                              aria-expanded={editing === m.alias}
                              aria-label={`Edit prices of ${m.alias}`}
                              onClick={() => setEditing(editing === m.alias ? null : m.alias)}
                            >
                              Edit prices
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                    {editing === m.alias && (
                      <tr className={styles.editRow}>
                        <td colSpan={columns.length + 1}>
                          <PriceForm model={m} onDone={(version) => closePrices(m.alias, version)} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </div>
  );
}
