"use client";

import { useState } from "react";
import { useHydrated } from "@/components/use-hydrated.ts";
import { presetById, providerPresets, type ProviderPresetId } from "@/server/llm/presets.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { fieldErrorsOfError, formMessage } from "./errors.ts";
import styles from "./admin.module.css";

export type Provider = RouterOutputs["models"]["providers"]["list"][number];

interface FormState {
  preset: ProviderPresetId;
  name: string;
  baseUrl: string;
  apiKey: string;
  removeKey: boolean;
  headers: string;
  removeHeaders: boolean;
  enabled: boolean;
}

const firstPreset = providerPresets[0]!;

function initialState(provider: Provider | undefined): FormState {
  // The saved key and headers are never sent back: the form starts without them.
  const secrets = { apiKey: "", removeKey: false, headers: "", removeHeaders: false };
  if (provider) {
    return { preset: (presetById(provider.preset)?.id ?? "custom") as ProviderPresetId, name: provider.name, baseUrl: provider.baseUrl ?? "", enabled: provider.enabled, ...secrets };
  }
  return { preset: firstPreset.id, name: firstPreset.label, baseUrl: firstPreset.defaultBaseUrl ?? "", enabled: true, ...secrets };
}

/** "Name: value" per line; an error naming the first line that is not one. */
function parseHeaders(text: string): { headers: Record<string, string> } | { error: string } {
  const headers: Record<string, string> = {};
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    if (!/^[A-Za-z0-9-]{1,100}$/.test(name)) return { error: `Line ${i + 1}: write each header as Name: value (names are letters, digits and '-').` };
    headers[name] = line.slice(colon + 1).trim();
  }
  return { headers };
}

/** Where a provider's key comes from, as the list and the edit form show it. */
export function keyText(p: Pick<Provider, "apiKeySource" | "apiKeyEnv" | "apiKeyLast4">): string {
  if (p.apiKeySource === "env") return `from ${p.apiKeyEnv}`;
  if (p.apiKeySource === "saved") return `•••• ${p.apiKeyLast4}`;
  return "none";
}

/**
 * Add a provider, or edit one (`provider`): preset (add only; it prefills the base URL), name,
 * base URL, API key (never shown again once saved: on edit, empty keeps it), extra headers, and a
 * "Test connection" that lists the models the details reach.
 */
export function ProviderForm(props: { provider?: Provider; onSaved: (provider: Provider) => void; onCancel: () => void }) {
  const editing = props.provider;
  const hydrated = useHydrated();
  const [form, setForm] = useState<FormState>(() => initialState(editing));
  const [headersError, setHeadersError] = useState<string | null>(null);
  const utils = api.useUtils();
  const onSaved = async (saved: Provider) => {
    await utils.models.invalidate();
    props.onSaved(saved);
  };
  const create = api.models.providers.create.useMutation({ onSuccess: onSaved });
  const update = api.models.providers.update.useMutation({ onSuccess: onSaved });
  const test = api.models.providers.test.useMutation();
  const save = editing ? update : create;
  const fieldErrors = fieldErrorsOfError(save.error);
  if (headersError) fieldErrors.extraHeaders = headersError;
  const preset = presetById(form.preset);
  const savedHeaders = editing && editing.extraHeaderNames.length > 0 ? editing.extraHeaderNames.join(", ") : null;
  const prefix = editing ? `provider-${editing.id.slice(0, 8)}` : "provider-new";
  const id = (field: string) => `${prefix}-${field}`;
  /** A control's id, and its error and hint (when it has one) for screen readers. */
  const control = (field: string, hint?: boolean) => ({
    id: id(field),
    "aria-invalid": !!fieldErrors[field],
    "aria-describedby": [fieldErrors[field] ? `${id(field)}-error` : null, hint ? `${id(field)}-hint` : null].filter(Boolean).join(" ") || undefined,
  });
  const fieldHint = (field: string, text: React.ReactNode) => (
    <p id={`${id(field)}-hint`} className="field-hint">
      {text}
    </p>
  );
  const fieldError = (field: string) =>
    fieldErrors[field] ? (
      <p id={`${id(field)}-error`} className="field-error">
        {fieldErrors[field]}
      </p>
    ) : null;

  const choosePreset = (next: ProviderPresetId) => {
    const before = presetById(form.preset);
    const after = presetById(next);
    setForm({
      ...form,
      preset: next,
      // Prefilled from the preset unless the admin typed their own.
      baseUrl: !form.baseUrl || form.baseUrl === before?.defaultBaseUrl ? (after.defaultBaseUrl ?? "") : form.baseUrl,
      name: !form.name || form.name === before?.label ? (next === "custom" ? "" : after.label) : form.name,
    });
  };

  const headersOrError = (): Record<string, string> | null => {
    const parsed = parseHeaders(form.headers);
    if ("error" in parsed) {
      setHeadersError(parsed.error);
      return null;
    }
    setHeadersError(null);
    return parsed.headers;
  };

  const runTest = () => {
    const headers = headersOrError();
    if (!headers) return;
    // A saved provider with nothing changed is tested as saved (with its saved key and headers).
    const unchanged = editing && !form.apiKey && !form.removeKey && !form.headers.trim() && !form.removeHeaders && form.baseUrl === (editing.baseUrl ?? "");
    if (editing && unchanged) test.mutate({ id: editing.id });
    else test.mutate({ baseUrl: form.baseUrl, apiKey: form.apiKey || undefined, extraHeaders: headers });
  };

  const submit = () => {
    const headers = headersOrError();
    if (!headers) return;
    if (editing) {
      update.mutate({
        id: editing.id,
        name: form.name,
        baseUrl: form.baseUrl,
        apiKey: form.removeKey ? null : form.apiKey || undefined,
        extraHeaders: form.removeHeaders ? {} : form.headers.trim() ? headers : undefined,
        enabled: form.enabled,
      });
    } else {
      create.mutate({ name: form.name, preset: form.preset, baseUrl: form.baseUrl || undefined, apiKey: form.apiKey || undefined, extraHeaders: headers, enabled: form.enabled });
    }
  };

  const testError = fieldErrorsOfError(test.error);
  const message = formMessage(save.error, fieldErrors);

  return (
    <form
      className={`form ${styles.wideForm}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      noValidate
    >
      <div className="field">
        <label htmlFor={id("preset")}>Preset</label>
        {editing ? (
          <input id={id("preset")} value={preset?.label ?? editing.preset} readOnly aria-describedby={`${id("preset")}-hint`} />
        ) : (
          <select id={id("preset")} value={form.preset} onChange={(e) => choosePreset(e.target.value as ProviderPresetId)} aria-describedby={`${id("preset")}-hint`}>
            {providerPresets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        )}
        {fieldHint("preset", editing ? "A provider keeps its preset; add another provider for a different one." : "Any OpenAI-compatible API. A preset fills in its usual base URL.")}
      </div>

      <div className="field">
        <label htmlFor={id("name")}>Name</label>
        <input {...control("name")} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
        {fieldError("name")}
      </div>

      <div className="field">
        <label htmlFor={id("baseUrl")}>Base URL</label>
        <input
          {...control("baseUrl", true)}
          type="url"
          inputMode="url"
          value={form.baseUrl}
          onChange={(e) => setForm({ ...form, baseUrl: e.target.value })}
          placeholder={preset?.defaultBaseUrl ?? "https://llm.example.com/v1"}
          autoCapitalize="none"
          spellCheck={false}
        />
        {fieldHint("baseUrl", "The API root, usually ending in /v1: Pantheon calls its /models and /chat/completions.")}
        {fieldError("baseUrl")}
      </div>

      <div className="field">
        <label htmlFor={id("apiKey")}>API key</label>
        <input
          {...control("apiKey", true)}
          type="password"
          autoComplete="new-password"
          value={form.apiKey}
          onChange={(e) => setForm({ ...form, apiKey: e.target.value, removeKey: false })}
          disabled={form.removeKey}
          spellCheck={false}
        />
        {fieldHint(
          "apiKey",
          <>
            {editing?.apiKeySource === "saved"
              ? `Saved key: ${keyText(editing)}. Leave empty to keep it.`
              : editing?.apiKeySource === "env"
                ? `The key comes from ${editing.apiKeyEnv} on the server; a key saved here is used when that is not set.`
                : preset?.keyRequired
                  ? `${preset.label} needs one.`
                  : "Optional for this preset."}{" "}
            Stored encrypted; only its last 4 characters are shown again.
          </>,
        )}
        {fieldError("apiKey")}
        {editing?.apiKeySource === "saved" && (
          <label className={styles.check}>
            <input type="checkbox" checked={form.removeKey} onChange={(e) => setForm({ ...form, removeKey: e.target.checked, apiKey: "" })} />
            Remove the saved key
          </label>
        )}
      </div>

      <div className="field">
        <label htmlFor={id("extraHeaders")}>Extra headers</label>
        <textarea
          {...control("extraHeaders", true)}
          value={form.headers}
          onChange={(e) => setForm({ ...form, headers: e.target.value })}
          rows={3}
          placeholder="X-Title: Pantheon"
          disabled={form.removeHeaders}
          spellCheck={false}
          className={styles.mono}
        />
        {fieldHint(
          "extraHeaders",
          <>
            One per line, as <code>Name: value</code>, sent with every call.
            {savedHeaders && ` Saved: ${savedHeaders}. Leave empty to keep them; what you enter replaces them.`}
          </>,
        )}
        {fieldError("extraHeaders")}
        {savedHeaders && (
          <label className={styles.check}>
            <input type="checkbox" checked={form.removeHeaders} onChange={(e) => setForm({ ...form, removeHeaders: e.target.checked, headers: "" })} />
            Remove the saved headers
          </label>
        )}
      </div>

      <label className={styles.check}>
        <input type="checkbox" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />
        Enabled (its models can be used)
      </label>

      <div className={styles.testBox}>
        <div className="row">
          <button type="button" className="button secondary" onClick={runTest} disabled={test.isPending || !hydrated || !form.baseUrl}>
            {test.isPending ? "Testing…" : "Test connection"}
          </button>
        </div>
        <div aria-live="polite" data-testid="test-result">
          {test.isSuccess && (
            <div className="alert success">
              <p className={styles.tight}>
                Connected in {test.data.latencyMs} ms: {test.data.models.length === 0 ? "no models found." : `found ${test.data.models.length} model${test.data.models.length === 1 ? "" : "s"}.`}
              </p>
              {test.data.models.length > 0 && (
                <ul className={styles.foundList} aria-label="Models found">
                  {test.data.models.map((m) => (
                    <li key={m.providerModel}>
                      <code>{m.providerModel}</code>
                      {m.label !== m.providerModel && <span> — {m.label}</span>}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
        {test.error && (
          <p className="alert error" role="alert">
            Connection failed: {testError.baseUrl ?? testError.apiKey ?? testError.extraHeaders ?? test.error.message}
          </p>
        )}
      </div>

      {message && (
        <p className="field-error" role="alert">
          {message}
        </p>
      )}
      <div className="row">
        <button type="submit" className="button" disabled={save.isPending || !hydrated}>
          {save.isPending ? "Saving…" : "Save provider"}
        </button>
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
