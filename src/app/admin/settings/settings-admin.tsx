"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { useHydrated } from "@/components/use-hydrated.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { formatSettingValue, readNumberField } from "./setting-value.ts";
import styles from "./settings.module.css";

type Setting = RouterOutputs["admin"]["settings"]["list"][number];
type Draft = Record<string, string | boolean>;

const fieldId = (key: string) => `setting-${key.replace(/[^a-z0-9]+/gi, "-")}`;

/** What the field holds now: the edit in progress, or the saved value. */
function fieldValue(s: Setting, draft: Draft): string | boolean {
  if (s.key in draft) return draft[s.key]!;
  return s.input.type === "boolean" ? s.value === true : String(s.value ?? "");
}

function SettingField(props: { setting: Setting; draft: Draft; error?: string; disabled: boolean; onChange: (value: string | boolean) => void; onReset: () => void }) {
  const s = props.setting;
  const id = fieldId(s.key);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = props.error ? `${hintId} ${errorId}` : hintId;
  const changed = s.isSet && JSON.stringify(s.value) !== JSON.stringify(s.default);
  const value = fieldValue(s, props.draft);

  return (
    <div className={styles.setting} data-testid={id}>
      {s.input.type === "boolean" ? (
        <label className={styles.check}>
          <input type="checkbox" id={id} checked={value === true} disabled={props.disabled} aria-describedby={describedBy} onChange={(e) => props.onChange(e.target.checked)} />
          {s.label}
          {changed && <span className={styles.changed}>Changed</span>}
        </label>
      ) : (
        <div className={styles.labelRow}>
          {s.input.type === "model" ? <span className={styles.labelText}>{s.label}</span> : <label htmlFor={id}>{s.label}</label>}
          {changed && <span className={styles.changed}>Changed</span>}
        </div>
      )}
      {s.input.type === "model" ? (
        <p className={styles.tight}>
          {formatSettingValue(s.value, null)} · <Link href="/admin/models">Choose on Models &amp; providers</Link>
        </p>
      ) : (
        s.input.type !== "boolean" && (
          <div className={styles.inputRow}>
            <input
              id={id}
              type="number"
              inputMode={s.input.type === "integer" ? "numeric" : "decimal"}
              step={s.input.type === "integer" ? 1 : "any"}
              min={s.input.min ?? undefined}
              max={s.input.max ?? undefined}
              value={String(value)}
              disabled={props.disabled}
              aria-invalid={props.error ? true : undefined}
              aria-describedby={describedBy}
              onChange={(e) => props.onChange(e.target.value)}
            />
            {s.unit && <span className={styles.unit}>{s.unit}</span>}
          </div>
        )
      )}
      <p id={hintId} className="field-hint">
        {s.help} Default: {formatSettingValue(s.default, s.unit)}
        {s.input.type === "integer" || s.input.type === "number" ? ` (${s.rule})` : ""}.
        {s.storedInvalid && " The stored value is not valid, so the default applies."} <span className={styles.key}>{s.key}</span>
      </p>
      {props.error && (
        <p id={errorId} className="field-error" role="alert">
          {props.error}
        </p>
      )}
      {s.isSet && !s.managedBy && (
        <div className={styles.actions}>
          <button type="button" className="button secondary small" disabled={props.disabled} onClick={props.onReset}>
            Reset to default<span className="visually-hidden">: {s.label}</span>
          </button>
        </div>
      )}
    </div>
  );
}

function GroupForm(props: { group: string; title: string; settings: Setting[]; canWrite: boolean }) {
  const hydrated = useHydrated();
  const utils = api.useUtils();
  const set = api.admin.settings.set.useMutation();
  const reset = api.admin.settings.reset.useMutation();
  const [draft, setDraft] = useState<Draft>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const disabled = !props.canWrite || !hydrated || busy;
  const titleId = `settings-group-${props.group}`;

  const edits = props.settings.filter((s) => s.key in draft && String(fieldValue(s, draft)) !== String(fieldValue(s, {})));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    const found: Record<string, string> = {};
    const values: { setting: Setting; value: unknown }[] = [];
    for (const s of edits) {
      const raw = draft[s.key]!;
      if (typeof raw === "boolean") values.push({ setting: s, value: raw });
      else {
        const read = readNumberField(raw, s.input, s.label, s.rule);
        if (read.ok) values.push({ setting: s, value: read.value });
        else found[s.key] = read.message;
      }
    }
    setErrors(found);
    if (Object.keys(found).length) {
      document.getElementById(fieldId(Object.keys(found)[0]!))?.focus();
      return;
    }
    setBusy(true);
    const saved: string[] = [];
    const failed: Record<string, string> = {};
    for (const { setting, value } of values) {
      try {
        await set.mutateAsync({ key: setting.key, value: value as number | boolean });
        saved.push(setting.key);
      } catch (error) {
        failed[setting.key] = error instanceof Error ? error.message : String(error);
      }
    }
    await utils.admin.settings.list.invalidate();
    setDraft((d) => Object.fromEntries(Object.entries(d).filter(([k]) => !saved.includes(k))));
    setErrors(failed);
    setBusy(false);
    if (saved.length) setNotice(`Saved: ${props.settings.filter((s) => saved.includes(s.key)).map((s) => s.label).join(", ")}. Every process uses it from now on.`);
  };

  const resetOne = async (s: Setting) => {
    setNotice(null);
    setBusy(true);
    try {
      const after = await reset.mutateAsync({ key: s.key });
      await utils.admin.settings.list.invalidate();
      setDraft(({ [s.key]: _dropped, ...rest }) => rest);
      setErrors(({ [s.key]: _dropped, ...rest }) => rest);
      setNotice(`${s.label} is back to its default: ${formatSettingValue(after.value, after.unit)}.`);
    } catch (error) {
      setErrors((e) => ({ ...e, [s.key]: error instanceof Error ? error.message : String(error) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby={titleId}>
      <h2 id={titleId}>{props.title}</h2>
      <form className={styles.form} onSubmit={submit} noValidate>
        {props.settings.map((s) => (
          <SettingField
            key={s.key}
            setting={s}
            draft={draft}
            error={errors[s.key]}
            disabled={disabled}
            onChange={(value) => setDraft((d) => ({ ...d, [s.key]: value }))}
            onReset={() => void resetOne(s)}
          />
        ))}
        {props.settings.some((s) => !s.managedBy) && (
          <div className={styles.actions}>
            <button type="submit" className="button" disabled={disabled || edits.length === 0}>
              Save {props.title.toLowerCase()}
            </button>
            {edits.length > 0 && (
              <button
                type="button"
                className="button secondary"
                disabled={disabled}
                onClick={() => {
                  setDraft({});
                  setErrors({});
                }}
              >
                Discard changes
              </button>
            )}
          </div>
        )}
        <p className={styles.notice} role="status" aria-live="polite">
          {notice}
        </p>
      </form>
    </section>
  );
}

export function SettingsAdmin(props: { canWrite: boolean }) {
  const list = api.admin.settings.list.useQuery();
  const groups: { group: string; title: string; settings: Setting[] }[] = [];
  for (const s of list.data ?? []) {
    const group = groups.find((g) => g.group === s.group) ?? groups[groups.push({ group: s.group, title: s.groupLabel, settings: [] }) - 1]!;
    group.settings.push(s);
  }

  return (
    <div className="stack">
      <div>
        <h1>Settings</h1>
        <p className="lede">Limits, caps and retention for this whole Pantheon. A change applies to every web and worker process at its next use, with no restart.</p>
      </div>
      {!props.canWrite && (
        <p className="alert warn" data-testid="read-only">
          Read-only: analysts see everything here; only owners can change it.
        </p>
      )}
      {list.error && (
        <p className="alert error" role="alert">
          Could not load the settings: {list.error.message}
        </p>
      )}
      {list.isLoading && <p role="status">Loading…</p>}
      <div className={styles.groups}>
        {groups.map((g) => (
          <GroupForm key={g.group} group={g.group} title={g.title} settings={g.settings} canWrite={props.canWrite} />
        ))}
      </div>
    </div>
  );
}
