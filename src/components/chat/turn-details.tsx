"use client";

import { useEffect, useRef } from "react";
import { creditsExactText, formatCreditsExact } from "@/components/usage/credits.ts";
import { formatMs, modeNames, stepKindNames, stepStatusNames, toolCallStatusNames, toolNames, turnStatusNames } from "./labels.ts";
import { toolCallLine } from "./tool-calls.tsx";
import type { DisplayTurn } from "./live-turns.ts";

const number = new Intl.NumberFormat("en");
const dash = "—";

/**
 * The turn-details drawer: a modal side panel (a native `<dialog>`, so focus stays inside and
 * Escape closes it) with every step's kind, agent, model, round, status, attempt, tokens and
 * latency and credits (a step's credits are its ledger rows', "—" until its call has ended), then
 * every tool call, per step, with its status, latency and credits. The parent returns focus to the
 * opener. Credits here are exact (every decimal the ledger keeps); the timeline rounds to two.
 */
export function TurnDetails(props: { turn: DisplayTurn | null; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const open = props.turn !== null;

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);

  const turn = props.turn;
  const toolCalls = turn?.steps.flatMap((step) => step.toolCalls.map((call) => ({ step, call }))) ?? [];
  const totals = turn?.steps.reduce(
    (sum, s) => ({ input: sum.input + (s.usage?.inputTokens ?? 0), cached: sum.cached + (s.usage?.cachedTokens ?? 0), output: sum.output + (s.usage?.outputTokens ?? 0) }),
    { input: 0, cached: 0, output: 0 },
  );

  return (
    <dialog
      ref={dialog}
      className="drawer"
      aria-labelledby="turn-details-title"
      onClose={props.onClose}
      // A click on the backdrop (the dialog element itself, outside its content) closes it.
      onClick={(e) => {
        if (e.target === e.currentTarget) e.currentTarget.close();
      }}
    >
      {turn && totals && (
        <div className="drawer-body">
          <div className="drawer-head">
            <h2 id="turn-details-title">Turn {turn.index} details</h2>
            <button type="button" className="button secondary small" onClick={() => dialog.current?.close()} autoFocus>
              Close
            </button>
          </div>
          <dl className="facts-list">
            <div>
              <dt>Mode</dt>
              <dd>{modeNames[turn.mode] ?? turn.mode}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>{turnStatusNames[turn.status] ?? turn.status}</dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{turn.startedAt ? turn.startedAt.toLocaleString() : dash}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{turn.startedAt && turn.finishedAt ? formatMs(turn.finishedAt.getTime() - turn.startedAt.getTime()) : dash}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>
                {number.format(totals.input)} in ({number.format(totals.cached)} cached) · {number.format(totals.output)} out
              </dd>
            </div>
            <div>
              <dt>Credits</dt>
              <dd data-testid="turn-details-credits">{creditsExactText(turn.credits)}</dd>
            </div>
            {turn.error && (
              <div>
                <dt>Error</dt>
                <dd>
                  {turn.error.message} ({turn.error.code})
                </dd>
              </div>
            )}
          </dl>
          {turn.steps.length === 0 ? (
            <p className="muted">No steps yet.</p>
          ) : (
            <div className="steps-table-wrap" tabIndex={0} role="region" aria-label={`Steps of turn ${turn.index}`}>
              <table className="steps-table">
                <caption className="visually-hidden">Steps of turn {turn.index}</caption>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Agent</th>
                    <th scope="col">Model</th>
                    <th scope="col">Round</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempt</th>
                    <th scope="col">Tokens in</th>
                    <th scope="col">Cached</th>
                    <th scope="col">Out</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Credits</th>
                  </tr>
                </thead>
                <tbody>
                  {turn.steps.map((step) => (
                    <tr key={step.id} data-status={step.status}>
                      <td data-label="#">{step.index}</td>
                      <td data-label="Kind">{stepKindNames[step.kind] ?? step.kind}</td>
                      <td data-label="Agent">{step.agent.key ? `${step.agent.name} (@${step.agent.key})` : step.agent.name}</td>
                      <td data-label="Model">{step.agent.model}</td>
                      <td data-label="Round">{step.round}</td>
                      <td data-label="Status">
                        {stepStatusNames[step.status] ?? step.status}
                        {step.error && <span className="muted"> · {step.error.code}</span>}
                      </td>
                      <td data-label="Attempt">{step.attempt}</td>
                      <td data-label="Tokens in">{step.usage ? number.format(step.usage.inputTokens) : dash}</td>
                      <td data-label="Cached">{step.usage ? number.format(step.usage.cachedTokens) : dash}</td>
                      <td data-label="Out">{step.usage ? number.format(step.usage.outputTokens) : dash}</td>
                      <td data-label="Latency">{step.latencyMs !== null ? formatMs(step.latencyMs) : dash}</td>
                      <td data-label="Credits">{step.credits !== null ? formatCreditsExact(step.credits) : dash}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {toolCalls.length > 0 && (
            <div className="steps-table-wrap" tabIndex={0} role="region" aria-label={`Tool calls of turn ${turn.index}`}>
              <table className="steps-table" data-testid="tool-calls-table">
                <caption className="drawer-caption">Tool calls</caption>
                <thead>
                  <tr>
                    <th scope="col">Step</th>
                    <th scope="col">Tool</th>
                    <th scope="col">What</th>
                    <th scope="col">Status</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Credits</th>
                  </tr>
                </thead>
                <tbody>
                  {toolCalls.map(({ step, call }) => (
                    <tr key={call.id} data-status={call.status}>
                      <td data-label="Step">
                        {step.index} · {step.agent.name}
                      </td>
                      <td data-label="Tool">{toolNames[call.tool] ?? (call.tool || dash)}</td>
                      <td data-label="What">
                        {toolCallLine(call)}
                        {call.error && <span className="muted"> · {call.error}</span>}
                      </td>
                      <td data-label="Status">{toolCallStatusNames[call.status] ?? call.status}</td>
                      <td data-label="Latency">{call.latencyMs !== null ? formatMs(call.latencyMs) : dash}</td>
                      <td data-label="Credits">{call.credits !== null ? formatCreditsExact(call.credits) : dash}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="field-hint">A step that uses tools calls its model again after each round of tool calls; each of those calls is one of its attempts.</p>
            </div>
          )}
        </div>
      )}
    </dialog>
  );
}
