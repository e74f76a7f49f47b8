"use client";

import Link from "next/link";
import { useHydrated } from "@/components/use-hydrated.ts";
import { useState } from "react";
import { fieldErrorsOf } from "@/components/field-errors.ts";
import { formatContext, priceLine } from "@/app/admin/models/format.ts";
import { useToolAvailability, type ToolAvailability } from "@/components/files/files-api.ts";
import { api, type RouterInputs, type RouterOutputs } from "@/trpc/react.tsx";
import { planHint, planSuffix, usePlanMarks } from "./plan-marks.ts";

type Agent = RouterOutputs["agents"]["list"]["items"][number];
type AgentInput = RouterInputs["agents"]["create"];
type Model = RouterOutputs["models"]["list"][number];

/** The picker's groups: one per provider, in the catalog's order (the offline model first). */
function modelGroups(models: Model[]) {
  const groups = new Map<string, { name: string; models: Model[] }>();
  for (const m of models) {
    const group = groups.get(m.provider) ?? { name: m.providerName, models: [] };
    group.models.push(m);
    groups.set(m.provider, group);
  }
  return [...groups.entries()];
}

/** One option's text: label, context window, price per million tokens, and why it cannot be chosen. */
function modelOption(m: Model): string {
  const parts = [m.label, m.offline ? "offline" : null, `${formatContext(m.contextWindow)} context`, m.offline ? null : priceLine(m.price)];
  const text = parts.filter(Boolean).join(" · ");
  return m.available ? text : `${text} — unavailable: ${m.unavailableReason}`;
}

/** The line under the picker about the chosen model. */
function modelHint(m: Model | undefined, alias: string): string {
  if (!m) return `The model "${alias}" no longer exists: choose another.`;
  if (!m.available) return `${m.label} cannot be used now: ${m.unavailableReason}.`;
  const credits = m.price ? ` Credits per call scale with its multiplier, ×${m.price.multiplier}.` : "";
  if (m.offline) return `${m.label} runs on this server with no provider: for trying Pantheon out.${credits}`;
  return `${m.label} from ${m.providerName}: ${formatContext(m.contextWindow)} tokens of context, ${priceLine(m.price)}.${credits}`;
}

const toolHints: Record<"search" | "file_read", string> = {
  search: "Looks things up on the web and lists its sources under the answer.",
  file_read: "Searches and reads the files uploaded to the room or chat.",
};

/**
 * Why the tools a permission grants cannot run on this server (e.g. web search with no provider
 * configured), or null when at least one of them can (or while that is not known yet).
 */
function unavailableReason(tools: ToolAvailability[] | undefined, permission: string): string | null {
  const granted = tools?.filter((t) => t.permission === permission) ?? [];
  if (granted.length === 0 || granted.some((t) => t.available)) return null;
  const reasons = [...new Set(granted.map((t) => t.reason?.replace(/\.$/, "")).filter(Boolean))];
  return reasons.join("; ") || "not configured";
}

const empty: AgentInput = { key: "", name: "", modelAlias: "local", rolePrompt: "", toolPermissions: [] };

function AgentForm(props: { initial: AgentInput; submitLabel: string; pending: boolean; error: { message: string; data?: { appCode?: string; details?: unknown; zodError?: { fieldErrors: Record<string, string[] | undefined> } | null } | null } | null; onSubmit: (input: AgentInput) => void; onCancel?: () => void }) {
  const [form, setForm] = useState(props.initial);
  const hydrated = useHydrated();
  const models = api.agents.models.useQuery();
  const planMarks = usePlanMarks();
  const tools = useToolAvailability();
  const fieldErrors = fieldErrorsOf(props.error);
  const details = props.error?.data?.details as { field?: string } | null | undefined;
  if (props.error?.data?.appCode === "conflict" && details?.field) fieldErrors[details.field] = props.error.message;
  const otherError = props.error && Object.keys(fieldErrors).length === 0 ? props.error.message : null;
  const id = (name: string) => `agent-${props.submitLabel.replace(/\W/g, "")}-${name}`;
  const describedBy = (name: string) => (fieldErrors[name] ? `${id(name)}-error` : undefined);
  const error = (name: string) =>
    fieldErrors[name] && (
      <p id={`${id(name)}-error`} className="field-error">
        {fieldErrors[name]}
      </p>
    );

  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(form);
      }}
    >
      <div className="field">
        <label htmlFor={id("name")}>Name</label>
        <input id={id("name")} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} aria-invalid={!!fieldErrors.name} aria-describedby={describedBy("name")} />
        {error("name")}
      </div>
      <div className="field">
        <label htmlFor={id("key")}>@key</label>
        <input id={id("key")} value={form.key} onChange={(e) => setForm({ ...form, key: e.target.value })} aria-invalid={!!fieldErrors.key} aria-describedby={describedBy("key") ?? `${id("key")}-hint`} autoCapitalize="none" spellCheck={false} />
        <p id={`${id("key")}-hint`} className="field-hint">
          How you tag it: lowercase letters, digits, - and _.
        </p>
        {error("key")}
      </div>
      <div className="field">
        <label htmlFor={id("model")}>Model</label>
        <select id={id("model")} value={form.modelAlias} onChange={(e) => setForm({ ...form, modelAlias: e.target.value })} aria-invalid={!!fieldErrors.modelAlias} aria-describedby={[describedBy("modelAlias"), `${id("model")}-hint`].filter(Boolean).join(" ")}>
          {models.data && !models.data.some((m) => m.alias === form.modelAlias) && (
            <option value={form.modelAlias} disabled>
              {form.modelAlias} — no longer exists
            </option>
          )}
          {modelGroups(models.data ?? []).map(([provider, group]) => (
            <optgroup key={provider} label={group.name}>
              {group.models.map((m) => (
                <option key={m.alias} value={m.alias} disabled={!m.available}>
                  {modelOption(m)}
                  {planSuffix(m, planMarks)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        {models.data && (
          <p id={`${id("model")}-hint`} className="field-hint" data-testid="model-hint">
            {modelHint(
              models.data.find((m) => m.alias === form.modelAlias),
              form.modelAlias,
            )}
            {planHint(
              models.data.find((m) => m.alias === form.modelAlias),
              planMarks,
            )}
          </p>
        )}
        {error("modelAlias")}
      </div>
      <div className="field">
        <label htmlFor={id("role")}>Role prompt</label>
        <textarea id={id("role")} value={form.rolePrompt} onChange={(e) => setForm({ ...form, rolePrompt: e.target.value })} />
        {error("rolePrompt")}
      </div>
      <fieldset className="field" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend style={{ fontWeight: 600 }}>Tools</legend>
        {(["search", "file_read"] as const).map((tool) => {
          const why = unavailableReason(tools.data?.tools, tool);
          const hintId = `${id(`tool-${tool}`)}-hint`;
          return (
            <div key={tool} className="tool-option">
              <label className="row" style={{ gap: "0.5rem" }}>
                <input
                  type="checkbox"
                  checked={form.toolPermissions?.includes(tool) ?? false}
                  aria-describedby={hintId}
                  onChange={(e) =>
                    setForm({ ...form, toolPermissions: e.target.checked ? [...(form.toolPermissions ?? []), tool] : (form.toolPermissions ?? []).filter((t) => t !== tool) })
                  }
                />
                {tool === "search" ? "Web search" : "Read room files"}
              </label>
              <p id={hintId} className="field-hint tool-hint" data-testid={`tool-hint-${tool}`} data-available={why === null}>
                {why === null
                  ? toolHints[tool]
                  : `Not available on this server: ${why}. You can still allow it; the agent gets it once the server is set up for it.`}
              </p>
            </div>
          );
        })}
      </fieldset>
      {props.error && (
        <p className="field-error" role="alert">
          {otherError ?? "Check the fields above."}
        </p>
      )}
      <div className="row">
        <button type="submit" className="button" disabled={props.pending || !hydrated}>
          {props.pending ? "Saving…" : props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" className="button secondary" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

export function AgentLibrary() {
  const utils = api.useUtils();
  const agents = api.agents.list.useQuery({ limit: 100 });
  const [editing, setEditing] = useState<string | null>(null);
  const [createKey, setCreateKey] = useState(0);
  const create = api.agents.create.useMutation({
    onSuccess: async () => {
      setCreateKey((k) => k + 1);
      await utils.agents.list.invalidate();
    },
  });
  const update = api.agents.update.useMutation({
    onSuccess: async () => {
      setEditing(null);
      await utils.agents.list.invalidate();
    },
  });
  const remove = api.agents.delete.useMutation({
    onMutate: async ({ id }) => {
      await utils.agents.list.cancel();
      const previous = utils.agents.list.getData({ limit: 100 });
      utils.agents.list.setData({ limit: 100 }, (old) => (old ? { ...old, items: old.items.filter((a) => a.id !== id) } : old));
      return { previous };
    },
    onError: (_e, _v, context) => utils.agents.list.setData({ limit: 100 }, context?.previous),
    onSettled: () => utils.agents.list.invalidate(),
  });

  return (
    <div className="stack">
      <div>
        <h1>Agent library</h1>
        <p className="lede">Your agents. Put them on room rosters, or chat with one directly.</p>
      </div>
      {/* The agents first (on a phone too), the form to add one beside them. */}
      <div className="content-aside">
        <section aria-labelledby="agents-title" className="stack">
          <h2 id="agents-title">Your agents</h2>
          {agents.isLoading && <p>Loading agents…</p>}
          {agents.data?.items.length === 0 && <p className="muted">No agents yet.</p>}
          {remove.error && <p className="field-error" role="alert">Could not delete: {remove.error.message}</p>}
          <ul className="item-list">
            {agents.data?.items.map((agent: Agent) =>
              editing === agent.id ? (
                <li key={agent.id} className="item" style={{ display: "block" }}>
                  <AgentForm
                    initial={{ key: agent.key, name: agent.name, modelAlias: agent.modelAlias, rolePrompt: agent.rolePrompt, toolPermissions: agent.toolPermissions as AgentInput["toolPermissions"] }}
                    submitLabel={`Save ${agent.name}`}
                    pending={update.isPending}
                    error={update.error}
                    onSubmit={(input) => update.mutate({ id: agent.id, ...input })}
                    onCancel={() => setEditing(null)}
                  />
                </li>
              ) : (
                <li key={agent.id} className="item">
                  <div className="item-main">
                    <strong>{agent.name}</strong>
                    <span className="muted">
                      @{agent.key} · {agent.modelAlias}
                    </span>
                  </div>
                  <div className="row">
                    <Link className="button small" href={`/agents/${agent.id}/chat`} aria-label={`Chat with ${agent.name}`}>
                      Chat
                    </Link>
                    <button type="button" className="button secondary small" onClick={() => setEditing(agent.id)} aria-label={`Edit ${agent.name}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      className="button danger small"
                      aria-label={`Delete ${agent.name}`}
                      onClick={() => {
                        if (window.confirm(`Delete ${agent.name}? It leaves every room roster.`)) remove.mutate({ id: agent.id });
                      }}
                    >
                      Delete
                    </button>
                  </div>
                </li>
              ),
            )}
          </ul>
        </section>
        <section className="card" aria-labelledby="new-agent-title">
          <h2 id="new-agent-title">New agent</h2>
          <AgentForm key={createKey} initial={empty} submitLabel="Create agent" pending={create.isPending} error={create.error} onSubmit={(input) => create.mutate(input)} />
        </section>
      </div>
    </div>
  );
}
