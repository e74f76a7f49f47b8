"use client";

import { useId, useState } from "react";
import { formatCreditsExact } from "@/components/usage/credits.ts";
import { isWebUrl, type ToolCallView } from "./live-turns.ts";
import { formatMs, toolCallStatusNames, toolNames } from "./labels.ts";

/** The line a call shows while it runs, from its arguments (the summary replaces it when it ends). */
export function runningLine(call: Pick<ToolCallView, "tool" | "input">): string {
  const text = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null);
  const query = text(call.input.query);
  switch (call.tool) {
    case "search":
      return query ? `Searching: ${query}` : "Searching the web";
    case "file_search":
      return query ? `Searching files: ${query}` : "Searching files";
    case "file_read": {
      const name = text(call.input.name) ?? text(call.input.fileName);
      return name ? `Reading: ${name}` : "Reading a file";
    }
    default:
      return call.tool ? `Using ${call.tool}` : "Using a tool";
  }
}

/** What a call's line says: its summary once it ended, else what it is doing. */
export function toolCallLine(call: ToolCallView): string {
  if (call.summary) return call.summary;
  if (call.status === "running") return `${runningLine(call)}…`;
  return `${runningLine(call)}: ${toolCallStatusNames[call.status]?.toLowerCase() ?? call.status}`;
}

/**
 * A step's tool calls, one compact line each ("Searched: …", "Read: report.pdf p. 3–4"); a line
 * opens (a disclosure button) on the call's status, arguments, latency, credits and error. A
 * running call is `aria-busy` and says so.
 */
export function ToolCallList(props: { calls: readonly ToolCallView[]; agentName: string }) {
  if (props.calls.length === 0) return null;
  return (
    <ul className="tool-calls" aria-label={`Tools used by ${props.agentName}`}>
      {props.calls.map((call) => (
        <ToolCallLine key={call.id} call={call} />
      ))}
    </ul>
  );
}

function ToolCallLine(props: { call: ToolCallView }) {
  const { call } = props;
  const [open, setOpen] = useState(false);
  const panelId = `${useId()}-tool`;
  const running = call.status === "running";
  const args = Object.entries(call.input);
  return (
    <li className="tool-call" data-status={call.status} data-testid="tool-call" aria-busy={running}>
      <button type="button" className="tool-call-line" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((o) => !o)}>
        <span className="tool-call-chevron" aria-hidden="true">
          {open ? "▾" : "▸"}
        </span>
        <span className="tool-call-text" data-testid="tool-call-line">
          {toolCallLine(call)}
        </span>
        {running ? (
          <span className="writing">running</span>
        ) : call.status !== "succeeded" ? (
          <span className="status-badge" data-status={call.status === "denied" ? "failed" : call.status}>
            {toolCallStatusNames[call.status] ?? call.status}
          </span>
        ) : null}
      </button>
      <div id={panelId} className="tool-call-details" hidden={!open}>
        <dl className="facts-list compact">
          <div>
            <dt>Tool</dt>
            <dd>{toolNames[call.tool] ?? (call.tool || "—")}</dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>{toolCallStatusNames[call.status] ?? call.status}</dd>
          </div>
          <div>
            <dt>Arguments</dt>
            <dd>
              {args.length === 0 ? (
                "—"
              ) : (
                <code className="tool-call-args">{args.map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join("\n")}</code>
              )}
            </dd>
          </div>
          <div>
            <dt>Latency</dt>
            <dd>{call.latencyMs !== null ? formatMs(call.latencyMs) : "—"}</dd>
          </div>
          <div>
            <dt>Credits</dt>
            <dd>{call.credits !== null ? formatCreditsExact(call.credits) : "—"}</dd>
          </div>
          {call.error && (
            <div>
              <dt>Error</dt>
              <dd className="tool-call-error">{call.error}</dd>
            </div>
          )}
        </dl>
      </div>
    </li>
  );
}

/** The links a step's tools found, under its answer; each opens in a new tab, with no referrer or opener. */
export function SourceList(props: { sources: readonly { title: string; url: string }[] }) {
  const headingId = `${useId()}-sources`;
  // A tool's links are untrusted: only web links, whatever the caller passed.
  const sources = props.sources.filter((s) => isWebUrl(s.url));
  if (sources.length === 0) return null;
  return (
    <div className="sources" data-testid="sources">
      <p className="sources-title" id={headingId}>
        Sources
      </p>
      <ol className="sources-list" aria-labelledby={headingId}>
        {sources.map((source) => (
          <li key={source.url}>
            <a href={source.url} target="_blank" rel="noopener noreferrer">
              {source.title.trim() || hostOf(source.url)}
              <span className="visually-hidden"> (opens in a new tab)</span>
            </a>{" "}
            <span className="muted sources-host">{hostOf(source.url)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
