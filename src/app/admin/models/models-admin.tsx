"use client";

import { useEffect, useRef, useState } from "react";
import { TableHead } from "@/components/table-head.tsx";
import { useHydrated } from "@/components/use-hydrated.ts";
import { presetById } from "@/server/llm/presets.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { ago } from "./format.ts";
import { ImportModels } from "./import-models.tsx";
import { ModelsTable, type AdminModel } from "./models-table.tsx";
import { keyText, ProviderForm, type Provider } from "./provider-form.tsx";
import styles from "./admin.module.css";

type Panel = { kind: "add" } | { kind: "edit"; provider: Provider } | { kind: "import"; provider: Provider };
type Choices = RouterOutputs["models"]["choices"];

function Health(props: { health: Provider["health"] }) {
  const { lastSuccessAt, lastErrorAt, lastError, latencyMs } = props.health;
  if (!lastSuccessAt && !lastErrorAt) return <span className="muted">No calls yet</span>;
  const failing = !!lastErrorAt && (!lastSuccessAt || lastErrorAt > lastSuccessAt);
  return (
    <span className={styles.health}>
      <span className={styles.healthBadge} data-tone={failing ? "bad" : "ok"}>
        {failing ? "Failing" : "OK"}
      </span>
      {lastSuccessAt && <span>Last success {ago(lastSuccessAt)}</span>}
      {latencyMs !== null && <span>{latencyMs} ms</span>}
      {lastErrorAt && (
        <span className={failing ? styles.bad : "muted"}>
          Last error {ago(lastErrorAt)}
          {lastError ? `: ${lastError}` : ""}
        </span>
      )}
    </span>
  );
}

/** Focus moves to an opened panel's heading, and back to the button that opened it on close. */
function useFocusReturn() {
  const opener = useRef<string | null>(null);
  return {
    open(fromId: string) {
      opener.current = fromId;
    },
    close() {
      const id = opener.current;
      requestAnimationFrame(() => (id ? document.getElementById(id)?.focus() : undefined));
    },
  };
}

function ProvidersSection(props: { providers: Provider[]; canWrite: boolean }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const [panel, setPanel] = useState<Panel | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const focus = useFocusReturn();
  const panelHeading = useRef<HTMLHeadingElement>(null);
  const refresh = () => utils.models.invalidate();
  const toggle = api.models.providers.update.useMutation({
    onSuccess: (p) => setNotice(`${p.name} ${p.enabled ? "enabled" : "disabled"}.`),
    onSettled: refresh,
  });
  const remove = api.models.providers.delete.useMutation({ onSettled: refresh });
  const actionError = toggle.error ?? remove.error;
  const panelKey = panel ? `${panel.kind}-${"provider" in panel ? panel.provider.id : ""}` : null;
  useEffect(() => {
    if (panelKey) panelHeading.current?.focus();
  }, [panelKey]);

  const open = (next: Panel, fromId: string) => {
    setNotice(null);
    focus.open(fromId);
    setPanel(next);
  };
  const close = (message?: string) => {
    setPanel(null);
    if (message) setNotice(message);
    focus.close();
  };

  return (
    <section className="card stack" aria-labelledby="providers-title">
      <div className="page-head">
        <div>
          <h2 id="providers-title">Providers</h2>
          <p className="field-hint">OpenAI-compatible APIs: OpenRouter, OpenAI, Ollama, vLLM, LM Studio, Groq and others. Health comes from real calls.</p>
        </div>
        {props.canWrite && (
          <button type="button" id="add-provider" className="button" onClick={() => open({ kind: "add" }, "add-provider")} disabled={!hydrated} aria-expanded={panel?.kind === "add"}>
            Add provider
          </button>
        )}
      </div>
      <p className={styles.notice} role="status" aria-live="polite">
        {notice}
      </p>
      {actionError && (
        <p className="field-error" role="alert">
          {actionError.message}
        </p>
      )}
      <div className="table-wrap">
        <table className={`list ${styles.providersTable}`}>
          <TableHead columns={["Name", "Base URL", "Key", "Enabled", "Health"]} actions={props.canWrite} />
          <tbody>
            {props.providers.map((p) => (
              <tr key={p.id} data-testid={`provider-${p.key}`}>
                <th scope="row" data-label="Name">
                  <strong>{p.name}</strong>
                  <br />
                  <span className="muted">
                    {p.builtin ? "Built in" : (presetById(p.preset)?.label ?? p.preset)}
                    {p.modelCount !== null && ` · ${p.modelCount} model${p.modelCount === 1 ? "" : "s"}`}
                  </span>
                </th>
                <td data-label="Base URL" className={styles.url}>
                  {p.baseUrl ? <code>{p.baseUrl}</code> : <span className="muted">—</span>}
                </td>
                <td data-label="Key">
                  {p.builtin ? <span className="muted">—</span> : keyText(p)}
                  {!p.configured && <span className={styles.reason}>Needs an API key</span>}
                </td>
                <td data-label="Enabled">{p.enabled ? "Yes" : "No"}</td>
                <td data-label="Health">{p.builtin ? <span className="muted">Runs in the worker</span> : <Health health={p.health} />}</td>
                {props.canWrite && (
                  <td data-label="Actions">
                    {!p.builtin && (
                      <div className={styles.actions}>
                        <button type="button" id={`import-${p.key}`} className="button small" onClick={() => open({ kind: "import", provider: p }, `import-${p.key}`)} aria-label={`Import models from ${p.name}`}>
                          Import models
                        </button>
                        <button type="button" id={`edit-${p.key}`} className="button secondary small" onClick={() => open({ kind: "edit", provider: p }, `edit-${p.key}`)} aria-label={`Edit ${p.name}`}>
                          Edit
                        </button>
                        <button
                          type="button"
                          className="button secondary small"
                          disabled={toggle.isPending}
                          onClick={() => toggle.mutate({ id: p.id, enabled: !p.enabled })}
                          aria-label={`${p.enabled ? "Disable" : "Enable"} ${p.name}`}
                        >
                          {p.enabled ? "Disable" : "Enable"}
                        </button>
                        <button
                          type="button"
                          className="button danger small"
                          disabled={remove.isPending}
                          aria-label={`Remove ${p.name}`}
                          onClick={() => {
                            if (window.confirm(`Remove ${p.name} and its ${p.modelCount ?? ""} models? Agents on them must move to another model first.`)) {
                              remove.mutate({ id: p.id }, { onSuccess: () => setNotice(`${p.name} removed.`) });
                            }
                          }}
                        >
                          Remove
                        </button>
                      </div>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {panel && props.canWrite && (
        <section className={styles.panel} aria-labelledby="provider-panel-title">
          <h3 id="provider-panel-title" ref={panelHeading} tabIndex={-1}>
            {panel.kind === "add" ? "Add a provider" : panel.kind === "edit" ? `Edit ${panel.provider.name}` : `Import models from ${panel.provider.name}`}
          </h3>
          {panel.kind === "import" ? (
            <ImportModels key={panelKey} provider={panel.provider} onClose={() => close()} />
          ) : (
            <ProviderForm
              key={panelKey}
              provider={panel.kind === "edit" ? panel.provider : undefined}
              onSaved={(saved) => (panel.kind === "add" ? open({ kind: "import", provider: saved }, `import-${saved.key}`) : close(`${saved.name} saved.`))}
              onCancel={() => close()}
            />
          )}
        </section>
      )}
    </section>
  );
}

function ChoiceSelect(props: { role: "manager" | "summary"; label: string; hint: string; choices: Choices; models: AdminModel[]; canWrite: boolean }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const set = api.models.setChoice.useMutation({ onSuccess: (data) => utils.models.choices.setData(undefined, data) });
  const choice = props.choices[props.role];
  const id = `choice-${props.role}`;
  const usable = props.models.filter((m) => m.available);
  // A chosen model that is no longer usable stays in the list, marked, so the select shows the setting.
  const stale = choice.setting && !usable.some((m) => m.alias === choice.setting) ? choice.setting : null;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={choice.setting ?? ""} disabled={!props.canWrite || set.isPending || !hydrated} onChange={(e) => set.mutate({ role: props.role, alias: e.target.value || null })} aria-describedby={`${id}-note ${id}-hint`}>
        <option value="">Automatic</option>
        {stale && (
          <option value={stale} disabled>
            {stale} (unavailable)
          </option>
        )}
        {usable.map((m) => (
          <option key={m.alias} value={m.alias}>
            {m.label} ({m.alias}){m.offline ? " — offline" : ""}
          </option>
        ))}
      </select>
      <p id={`${id}-note`} className={styles.choiceNote} data-testid={`${id}-note`} aria-live="polite">
        Now: {choice.effective.note}
      </p>
      <p id={`${id}-hint`} className="field-hint">
        {props.hint}
      </p>
      {set.error && (
        <p className="field-error" role="alert">
          {set.error.message}
        </p>
      )}
    </div>
  );
}

export function ModelsAdmin(props: { canWrite: boolean }) {
  const providers = api.models.providers.list.useQuery();
  const catalog = api.models.catalog.useQuery();
  const choices = api.models.choices.useQuery();
  const error = providers.error ?? catalog.error ?? choices.error;

  return (
    <div className="stack">
      <div>
        <h1>Models &amp; providers</h1>
        <p className="lede">Where Pantheon&apos;s models come from, what they cost, and which ones the manager and summaries use.</p>
      </div>
      {!props.canWrite && (
        <p className="alert warn" data-testid="read-only">
          Read-only: analysts see everything here; only owners can change it.
        </p>
      )}
      {error && (
        <p className="alert error" role="alert">
          Could not load the models: {error.message}
        </p>
      )}
      {(providers.isLoading || catalog.isLoading || choices.isLoading) && <p role="status">Loading…</p>}

      {providers.data && <ProvidersSection providers={providers.data} canWrite={props.canWrite} />}

      {catalog.data && (
        <section className="card stack" aria-labelledby="models-title">
          <div>
            <h2 id="models-title">Models</h2>
            <p className="field-hint">What agents can use. A model is enabled only with a price; a fallback answers when its provider is down.</p>
          </div>
          <ModelsTable models={catalog.data} canWrite={props.canWrite} />
        </section>
      )}

      {choices.data && catalog.data && (
        <section className="card stack" aria-labelledby="choices-title">
          <div>
            <h2 id="choices-title">Manager and summary models</h2>
            <p className="field-hint">Automatic picks the available model with the largest context window, and the offline model only when nothing else is available.</p>
          </div>
          <div className={styles.choices}>
            <ChoiceSelect role="manager" label="Manager model" hint="Routes orchestrator turns and writes the synthesis." choices={choices.data} models={catalog.data} canWrite={props.canWrite} />
            <ChoiceSelect role="summary" label="Summary model" hint="Summarizes long sessions so they fit the context window." choices={choices.data} models={catalog.data} canWrite={props.canWrite} />
          </div>
        </section>
      )}
    </div>
  );
}
