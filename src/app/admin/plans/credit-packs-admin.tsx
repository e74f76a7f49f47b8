"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { formatMoney } from "@/components/billing/money.ts";
import { TableHead } from "@/components/table-head.tsx";
import { formatCredits } from "@/components/usage/credits.ts";
import { useHydrated } from "@/components/use-hydrated.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import type { FormError } from "../models/errors.ts";
import { emptyPackRow, fieldKey, packsOfRows, rowOfPack, type PackField, type PackRow } from "./pack-form.ts";
import styles from "./plans.module.css";

const fieldOrder: PackField[] = ["id", "name", "credits", "priceCents", "currency"];

type Pack = RouterOutputs["admin"]["plans"]["creditPacks"]["packs"][number];

/** The server's refusal per field ("1.credits": "…"), and what is left for the form as a whole. */
function errorsOf(error: FormError | null): { fields: Record<string, string>; message: string | null } {
  if (!error) return { fields: {}, message: null };
  const details = error.data?.details as { fields?: Record<string, string> } | null | undefined;
  const { "": listError, ...fields } = details?.fields ?? {};
  return { fields, message: listError ?? (Object.keys(fields).length ? "Check the packs above." : error.message) };
}

function PacksEditor(props: { packs: Pack[]; onDone: (message: string) => void; onCancel: () => void }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const save = api.admin.plans.setCreditPacks.useMutation();
  const nextKey = useRef(props.packs.length);
  const [rows, setRows] = useState<PackRow[]>(() => props.packs.map((p, i) => rowOfPack(p, i)));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [serverError, setServerError] = useState<FormError | null>(null);
  const busy = save.isPending;
  const server = errorsOf(serverError);
  const errors = { ...server.fields, ...localErrors };

  const inputId = (row: PackRow, field: PackField) => `pack-${row.key}-${field}`;
  // Focus moves after the next render, once the rows (and their ids) are in place and the inputs
  // are no longer disabled by a save in flight.
  const pendingFocus = useRef<string | null>(null);
  const focusLater = (id: string) => {
    pendingFocus.current = id;
  };
  useEffect(() => {
    if (!pendingFocus.current || busy) return;
    document.getElementById(pendingFocus.current)?.focus();
    pendingFocus.current = null;
  });
  const focusFirstError = (fieldErrors: Record<string, string>) => {
    // The first in reading order: by row, then by the field's place in the row.
    const place = (key: string) => {
      const [index, field] = key.split(".");
      return Number(index) * 10 + fieldOrder.indexOf(field as PackField);
    };
    const [first] = Object.keys(fieldErrors).sort((a, b) => place(a) - place(b));
    const [index, field] = (first ?? "").split(".");
    const row = rows[Number(index)];
    if (row && fieldOrder.includes(field as PackField)) focusLater(inputId(row, field as PackField));
  };
  const edit = (key: number, patch: Partial<PackRow>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  // Errors name rows by position: once rows move they would point at the wrong pack.
  const clearErrors = () => {
    setLocalErrors({});
    setServerError(null);
  };
  const add = () => {
    const row = emptyPackRow(nextKey.current++);
    clearErrors();
    setRows((all) => [...all, row]);
    focusLater(inputId(row, "id"));
  };
  const remove = (index: number) => {
    clearErrors();
    const next = rows[index + 1] ?? rows[index - 1];
    setRows((all) => all.filter((_, i) => i !== index));
    focusLater(next ? inputId(next, "id") : "pack-add");
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setServerError(null);
    const parsed = packsOfRows(rows);
    if (!parsed.ok) {
      setLocalErrors(parsed.errors);
      focusFirstError(parsed.errors);
      return;
    }
    setLocalErrors({});
    try {
      const saved = await save.mutateAsync({ packs: parsed.packs });
      await Promise.all([utils.admin.plans.creditPacks.invalidate(), utils.billing.creditPacks.invalidate()]);
      props.onDone(saved.length ? `Saved ${saved.length} credit pack${saved.length === 1 ? "" : "s"}: users are offered them now.` : "Saved: no credit packs are on sale now.");
    } catch (error) {
      setServerError(error as FormError);
      focusFirstError(errorsOf(error as FormError).fields);
    }
  };

  const field = (row: PackRow, index: number, name: PackField, label: string, value: string, onChange: (v: string) => void, extra: { hint?: string; inputMode?: "decimal"; maxLength?: number } = {}) => {
    const id = inputId(row, name);
    const error = errors[fieldKey(index, name)];
    const hintId = extra.hint ? `${id}-hint` : null;
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          value={value}
          disabled={busy}
          inputMode={extra.inputMode}
          maxLength={extra.maxLength}
          spellCheck={name === "name"}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={[hintId, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined}
          onChange={(e) => onChange(e.target.value)}
        />
        {extra.hint && (
          <p id={hintId!} className="field-hint">
            {extra.hint}
          </p>
        )}
        {error && (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        )}
      </div>
    );
  };
  const message = Object.keys(localErrors).length ? "Check the packs above." : server.message;

  return (
    <form className={styles.form} onSubmit={submit} noValidate aria-label="Edit credit packs">
      {rows.length === 0 && <p className="muted">No packs: users cannot buy credits. Add one, or save to stop selling credits.</p>}
      {rows.map((row, i) => (
        <fieldset key={row.key} className={styles.packRow}>
          <legend>Pack {i + 1}</legend>
          {field(row, i, "id", "ID", row.id, (id) => edit(row.key, { id }), { hint: "Lowercase letters, digits, - and _", maxLength: 40 })}
          {field(row, i, "name", "Name", row.name, (name) => edit(row.key, { name }), { hint: "Optional, shown above the amount", maxLength: 60 })}
          {field(row, i, "credits", "Credits", row.credits, (credits) => edit(row.key, { credits }), { inputMode: "decimal" })}
          {field(row, i, "priceCents", "Price", row.price, (price) => edit(row.key, { price }), { hint: "Like 5 or 4.99", inputMode: "decimal" })}
          {field(row, i, "currency", "Currency", row.currency, (currency) => edit(row.key, { currency }), { maxLength: 3 })}
          <div className={styles.packRemove}>
            <button type="button" className="button secondary small" disabled={busy} onClick={() => remove(i)}>
              Remove<span className="visually-hidden"> pack {i + 1}</span>
            </button>
          </div>
        </fieldset>
      ))}
      {message && (
        <p className="alert error" role="alert">
          {message}
        </p>
      )}
      <div className="row">
        <button type="button" id="pack-add" className="button secondary" disabled={busy || rows.length >= 12} onClick={add}>
          Add pack
        </button>
        <button type="submit" className="button" disabled={!hydrated || busy}>
          Save packs
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The "Credit packs" section of the Plans page: what users can buy (Usage & billing), editable by owners. */
export function CreditPacksAdmin(props: { canWrite: boolean }) {
  const packs = api.admin.plans.creditPacks.useQuery();
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const list = packs.data?.packs ?? [];

  return (
    <section className="stack" aria-labelledby="credit-packs-title">
      <div className="page-head">
        <div>
          <h2 id="credit-packs-title" ref={headingRef} tabIndex={-1}>
            Credit packs
          </h2>
          <p className="muted">
            What users can buy on top of their plan (Usage &amp; billing → Buy credits), through Stripe Checkout. Bought credits are added once the payment goes through and do not expire.
          </p>
        </div>
        {props.canWrite && !editing && packs.data && (
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              setNotice(null);
              setEditing(true);
            }}
          >
            Edit packs
          </button>
        )}
      </div>
      {packs.error && (
        <p className="alert error" role="alert">
          Could not load the credit packs: {packs.error.message}
        </p>
      )}
      <p className={styles.notice} role="status" aria-live="polite">
        {notice}
      </p>
      {packs.isLoading && <p role="status">Loading…</p>}
      {editing && packs.data && (
        <div className="card stack">
          <PacksEditor
            packs={list}
            onDone={(message) => {
              setEditing(false);
              setNotice(message);
              headingRef.current?.focus();
            }}
            onCancel={() => {
              setEditing(false);
              headingRef.current?.focus();
            }}
          />
        </div>
      )}
      {packs.data && !editing && (
        <>
          {packs.data.defaults && <p className="field-hint">These are the built-in packs: none have been saved here yet.</p>}
          {list.length === 0 ? (
            <p className="muted" data-testid="credit-packs-empty">
              No credit packs are on sale.
            </p>
          ) : (
            <div className="table-wrap">
              <table className={`list ${styles.table}`} data-testid="credit-packs-table">
                <caption className="visually-hidden">Credit packs, in the order users see them</caption>
                <TableHead columns={["Pack", { label: "Credits", num: true }, { label: "Price", num: true }]} />
                <tbody>
                  {list.map((p) => (
                    <tr key={p.id} data-testid={`pack-${p.id}`}>
                      <th scope="row">
                        {p.name ? (
                          <>
                            {p.name} <span className={`muted ${styles.code}`}>{p.id}</span>
                          </>
                        ) : (
                          <span className={styles.code}>{p.id}</span>
                        )}
                      </th>
                      <td className="num" data-label="Credits">
                        {formatCredits(p.credits)}
                      </td>
                      <td className="num" data-label="Price">
                        {formatMoney(p.priceCents, p.currency)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
