"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { useHydrated } from "@/components/use-hydrated.ts";
import { api, type RouterInputs, type RouterOutputs } from "@/trpc/react.tsx";
import { formatTokens, suggestAlias } from "./format.ts";
import { priceLabel } from "./price-label.tsx";
import type { Provider } from "./provider-form.tsx";
import styles from "./admin.module.css";

type Discovered = RouterOutputs["models"]["providers"]["discover"]["models"][number];
type ImportItem = RouterInputs["models"]["import"]["models"][number];

interface Row {
  selected: boolean;
  alias: string;
  label: string;
  contextWindow: string;
  input: string;
  output: string;
  multiplier: string;
  enabled: boolean;
}

const aliasPattern = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const pricePattern = /^\d+(\.\d+)?$/;
const multiplierPattern = /^\d+(\.\d{1,4})?$/;

function rowOf(m: Discovered): Row {
  return {
    selected: false,
    alias: suggestAlias(m.providerModel),
    label: m.label,
    contextWindow: m.contextWindow ? String(m.contextWindow) : "",
    input: m.prices?.inputPerMTokUsd ?? "",
    output: m.prices?.outputPerMTokUsd ?? "",
    multiplier: "1",
    // A model is enabled only with a price: on by default when the provider published one.
    enabled: !!m.prices,
  };
}

/** What is wrong with a selected row, field by field (empty: it can be imported). */
function problemsOf(row: Row): Partial<Record<keyof Row, string>> {
  const problems: Partial<Record<keyof Row, string>> = {};
  if (!aliasPattern.test(row.alias)) problems.alias = "Use 1-64 lowercase letters, digits, '.', '-' or '_', starting with a letter or digit.";
  if (!row.label.trim()) problems.label = "Give it a label.";
  const ctx = Number(row.contextWindow);
  if (!Number.isInteger(ctx) || ctx < 256) problems.contextWindow = "Enter the context window in tokens (at least 256).";
  const priced = row.input.trim() !== "" || row.output.trim() !== "";
  if (priced || row.enabled) {
    if (!pricePattern.test(row.input.trim())) problems.input = row.enabled && !priced ? "Enabling needs a price." : "A price in USD per million tokens, like 0.5.";
    if (!pricePattern.test(row.output.trim())) problems.output = row.enabled && !priced ? "Enabling needs a price." : "A price in USD per million tokens, like 1.5.";
  }
  if (!multiplierPattern.test(row.multiplier.trim())) problems.multiplier = "A number like 1 or 1.25.";
  return problems;
}

/**
 * "Import models" for a saved provider: its `GET /models` list, each model with a checkbox; a
 * checked one gets an alias (from its id), label, context window, prices per million tokens
 * (prefilled when the provider publishes them), multiplier and whether to enable it now.
 */
export function ImportModels(props: { provider: Provider; onClose: () => void }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const discover = api.models.providers.discover.useMutation();
  const [rows, setRows] = useState<Record<string, Row>>({});
  const [filter, setFilter] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [done, setDone] = useState<string[] | null>(null);
  const doImport = api.models.import.useMutation({
    onSuccess: async (result) => {
      setDone(result.imported);
      setSubmitted(false);
      await utils.models.invalidate();
      load();
    },
  });
  const { mutate } = discover;
  const providerId = props.provider.id;
  const load = () =>
    mutate(
      { id: providerId },
      {
        onSuccess: (data) =>
          setRows((old) => Object.fromEntries(data.models.map((m) => [m.providerModel, old[m.providerModel] && !m.importedAs ? { ...old[m.providerModel]!, selected: false } : rowOf(m)]))),
      },
    );
  // Lists the models once, when the panel opens.
  const loaded = useRef(false);
  useEffect(() => {
    if (loaded.current) return;
    loaded.current = true;
    load();
  });

  const models = useMemo(() => discover.data?.models ?? [], [discover.data]);
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return q ? models.filter((m) => m.providerModel.toLowerCase().includes(q) || m.label.toLowerCase().includes(q)) : models;
  }, [models, filter]);
  const selected = models.filter((m) => rows[m.providerModel]?.selected && !m.importedAs);
  const problems = Object.fromEntries(selected.map((m) => [m.providerModel, problemsOf(rows[m.providerModel]!)]));
  const blocked = selected.some((m) => Object.keys(problems[m.providerModel]!).length > 0);

  const set = (providerModel: string, change: Partial<Row>) => setRows((old) => ({ ...old, [providerModel]: { ...old[providerModel]!, ...change } }));

  const submit = () => {
    setSubmitted(true);
    setDone(null);
    if (selected.length === 0 || blocked) return;
    const items: ImportItem[] = selected.map((m) => {
      const row = rows[m.providerModel]!;
      const priced = row.input.trim() !== "" && row.output.trim() !== "";
      // The published cache-read price is kept while the input price is the published one.
      const cached = m.prices && m.prices.inputPerMTokUsd === row.input.trim() ? m.prices.cachedInputPerMTokUsd : undefined;
      return {
        providerModel: m.providerModel,
        alias: row.alias,
        label: row.label.trim(),
        contextWindow: Number(row.contextWindow),
        maxOutput: m.maxOutput,
        price: priced ? { multiplier: row.multiplier.trim(), inputPerMTokUsd: row.input.trim(), cachedInputPerMTokUsd: cached, outputPerMTokUsd: row.output.trim() } : undefined,
        enabled: row.enabled,
      };
    });
    doImport.mutate({ providerId, models: items });
  };

  const headingId = `import-${providerId.slice(0, 8)}-title`;
  return (
    <div className="stack">
      <div className="row">
        <button type="button" className="button secondary small" onClick={load} disabled={discover.isPending || !hydrated}>
          {discover.isPending ? "Listing models…" : "Reload the list"}
        </button>
        {discover.data && <span className="muted">{`${models.length} model${models.length === 1 ? "" : "s"} at ${props.provider.name} (answered in ${discover.data.latencyMs} ms).`}</span>}
      </div>
      {discover.isPending && !discover.data && <p role="status">Asking {props.provider.name} for its models…</p>}
      {discover.error && (
        <p className="alert error" role="alert">
          Could not list the models: {discover.error.message}
        </p>
      )}
      {discover.data && models.length === 0 && <p className="muted">{props.provider.name} lists no models.</p>}
      {models.length > 0 && (
        <form
          className="stack"
          aria-labelledby={headingId}
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
          noValidate
        >
          <h3 id={headingId} className="visually-hidden">
            Models to import from {props.provider.name}
          </h3>
          {models.length > 8 && (
            <div className="field">
              <label htmlFor={`${headingId}-filter`}>Filter</label>
              <input id={`${headingId}-filter`} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Model id or name" />
            </div>
          )}
          <ul className={styles.discovered} data-long={models.length > 8}>
            {shown.map((m, index) => {
              const row = rows[m.providerModel];
              if (!row) return null;
              const fid = (field: string) => `${headingId}-${index}-${field}`;
              const problem = submitted ? (problems[m.providerModel] ?? {}) : {};
              const field = (name: keyof Row, label: React.ReactNode, input: React.ReactNode) => (
                <div className="field">
                  <label htmlFor={fid(name)}>{label}</label>
                  {input}
                  {problem[name] && (
                    <p id={`${fid(name)}-error`} className="field-error">
                      {problem[name]}
                    </p>
                  )}
                </div>
              );
              const attrs = (name: keyof Row) => ({ id: fid(name), "aria-invalid": !!problem[name], "aria-describedby": problem[name] ? `${fid(name)}-error` : undefined });
              return (
                <li key={m.providerModel} className={styles.discoveredItem} data-selected={row.selected}>
                  <label className={styles.check}>
                    <input type="checkbox" checked={!!m.importedAs || row.selected} disabled={!!m.importedAs} onChange={(e) => set(m.providerModel, { selected: e.target.checked })} />
                    <span>
                      <code>{m.providerModel}</code>
                      {m.label !== m.providerModel && <span className="muted"> — {m.label}</span>}
                      {m.importedAs ? (
                        <span className="badge">imported as {m.importedAs}</span>
                      ) : (
                        <span className="muted">
                          {" "}
                          {m.contextWindow ? `· ${formatTokens(m.contextWindow)} tokens` : ""}
                          {m.prices ? " · price published" : ""}
                        </span>
                      )}
                    </span>
                  </label>
                  {row.selected && !m.importedAs && (
                    <div className={styles.fields}>
                      <p className={`field-hint ${styles.fieldsHint}`}>Context window in tokens; prices in USD per million tokens.</p>
                      {field("alias", "Alias", <input {...attrs("alias")} value={row.alias} onChange={(e) => set(m.providerModel, { alias: e.target.value })} autoCapitalize="none" spellCheck={false} />)}
                      {field("label", "Label", <input {...attrs("label")} value={row.label} onChange={(e) => set(m.providerModel, { label: e.target.value })} />)}
                      {field("contextWindow", "Context window", <input {...attrs("contextWindow")} inputMode="numeric" value={row.contextWindow} onChange={(e) => set(m.providerModel, { contextWindow: e.target.value })} />)}
                      {field("input", priceLabel("Input price"), <input {...attrs("input")} inputMode="decimal" value={row.input} onChange={(e) => set(m.providerModel, { input: e.target.value })} />)}
                      {field("output", priceLabel("Output price"), <input {...attrs("output")} inputMode="decimal" value={row.output} onChange={(e) => set(m.providerModel, { output: e.target.value })} />)}
                      {field("multiplier", "Multiplier", <input {...attrs("multiplier")} inputMode="decimal" value={row.multiplier} onChange={(e) => set(m.providerModel, { multiplier: e.target.value })} />)}
                      <label className={styles.check}>
                        <input type="checkbox" checked={row.enabled} onChange={(e) => set(m.providerModel, { enabled: e.target.checked })} />
                        Enable now (needs a price)
                      </label>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
          <div aria-live="polite">
            {done && (
              <p className="alert success">
                Imported {done.length} model{done.length === 1 ? "" : "s"}: {done.join(", ")}.
              </p>
            )}
          </div>
          {submitted && selected.length === 0 && !done && (
            <p className="field-error" role="alert">
              Check at least one model to import.
            </p>
          )}
          {submitted && blocked && (
            <p className="field-error" role="alert">
              Check the highlighted fields.
            </p>
          )}
          {doImport.error && (
            <p className="field-error" role="alert">
              Could not import: {doImport.error.data?.zodError ? "check the fields." : doImport.error.message}
            </p>
          )}
          <div className="row">
            <button type="submit" className="button" disabled={doImport.isPending || !hydrated}>
              {doImport.isPending ? "Importing…" : selected.length > 0 ? `Import ${selected.length} model${selected.length === 1 ? "" : "s"}` : "Import models"}
            </button>
            <button type="button" className="button secondary" onClick={props.onClose}>
              Close
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
