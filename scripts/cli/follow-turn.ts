/**
 * `pantheon send`: sends a message and prints the turn's steps as they stream (agent headers, the
 * text as it arrives, the outcome of each step), until the turn ends. Ctrl-C cancels the turn.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { StepKind } from "../../src/generated/prisma/enums.ts";
import { turnEvent, type TurnEvent } from "../../src/server/realtime/turn-event-schema.ts";
import type { ApiClient as Api } from "./api-client.ts";

export interface SendOptions {
  room?: string;
  agent?: string;
  session?: string;
  newSession?: boolean;
  json?: boolean;
}

const stepLabels: Record<Exclude<StepKind, "agent">, string> = {
  manager_route: "manager · routing",
  manager_evaluate: "manager · evaluating",
  synthesis: "synthesis",
  summary: "summary",
};

/** The session to send to: the one given, or the newest of the room/agent, or a new one. */
async function resolveSession(api: Api, opts: SendOptions): Promise<string> {
  if (opts.session) return opts.session;
  const target = opts.room ? { roomId: opts.room } : opts.agent ? { agentId: opts.agent } : null;
  if (!target) throw new Error("Say where to send: --session <id>, --room <id> or --agent <id>.");
  if (!opts.newSession) {
    const existing = await api.sessions.list.query({ ...target, limit: 1 });
    if (existing.items[0]) return existing.items[0].id;
  }
  return (await api.sessions.create.mutate(target)).id;
}

/** Resolves with the turn's final status. */
export async function sendAndFollow(api: Api, message: string, opts: SendOptions, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<string> {
  const sessionId = await resolveSession(api, opts);
  // Subscribed from "now" before sending, so the turn's first event cannot be missed.
  const { streamFrom } = await api.turns.list.query({ sessionId, limit: 1 });
  let turnId: string | null = null;
  const early: TurnEvent[] = [];
  const steps = new Map<string, string>();

  return new Promise<string>((resolve, reject) => {
    let done = false;
    const finish = (status: string) => {
      if (done) return;
      done = true;
      subscription.unsubscribe();
      process.off("SIGINT", onInterrupt);
      resolve(status);
    };
    const handle = (event: TurnEvent) => {
      if (event.turnId !== turnId) return;
      const e = event.event;
      if (opts.json) out(`${JSON.stringify(event)}\n`);
      switch (e.type) {
        case "step_started": {
          steps.set(e.stepId, e.kind);
          const who = e.kind === "agent" ? `@${e.agent.key} (${e.agent.name}, ${e.agent.model})` : `${stepLabels[e.kind]} (${e.agent.model})`;
          if (!opts.json) out(`\n── ${who} · round ${e.round}${e.attempt > 1 ? ` · attempt ${e.attempt}` : ""} ──\n`);
          break;
        }
        case "step_delta":
          if (!opts.json) out(e.text);
          break;
        case "step_completed":
          if (!opts.json) {
            const tokens = `${e.usage.inputTokens} in / ${e.usage.outputTokens} out${e.usage.credits !== null ? `, ${e.usage.credits} credits` : ""}`;
            out(e.status === "succeeded" ? `\n   ✓ ${tokens}${e.latencyMs !== null ? `, ${e.latencyMs} ms` : ""}\n` : `\n   ✗ ${e.status}${e.error ? `: ${e.error.message}` : ""}\n`);
          }
          break;
        case "mode_applied":
          if (!opts.json) out(`(mode changed from ${e.from} to ${e.to})\n`);
          break;
        case "turn_completed":
          if (!opts.json) {
            if (e.credits !== null) out(`\n${e.credits} credits${e.balanceAfter !== null ? `; balance ${e.balanceAfter}${e.lowBalance ? " (low)" : ""}` : ""}`);
            out(`\nturn ${e.status}\n`);
          }
          finish(e.status);
          break;
        case "turn_failed":
          if (!opts.json) out(`\nturn failed: ${e.message} [${e.code}]\n`);
          finish("failed");
          break;
        case "turn_cancelled":
          if (!opts.json) out("\nturn cancelled\n");
          finish("cancelled");
          break;
      }
    };
    const subscription = api.turns.events.subscribe(
      { sessionId, lastEventId: streamFrom },
      {
        onData: ({ data }) => {
          // The server may be another version than this CLI: an event it cannot read is skipped.
          const parsed = turnEvent.safeParse(data);
          if (!parsed.success) return void process.stderr.write(`(skipped an event this CLI cannot read: ${z.prettifyError(parsed.error)})\n`);
          if (turnId) handle(parsed.data);
          else early.push(parsed.data);
        },
        onError: (error) => {
          if (done) return;
          done = true;
          process.off("SIGINT", onInterrupt);
          reject(error);
        },
      },
    );
    const onInterrupt = () => {
      if (!turnId) return finish("cancelled");
      if (!opts.json) out("\ncancelling…\n");
      api.turns.cancel.mutate({ turnId }).catch((error: unknown) => reject(error as Error));
    };
    process.on("SIGINT", onInterrupt);

    api.turns.send
      .mutate({ sessionId, message, clientRequestId: randomUUID() })
      .then((turn) => {
        turnId = turn.id;
        if (!opts.json) out(`turn ${turn.id} (${turn.mode}) in session ${sessionId}${turn.metadata.unknownTags?.length ? `; unknown tags: ${turn.metadata.unknownTags.map((k) => `@${k}`).join(", ")}` : ""}\n`);
        for (const event of early.splice(0)) handle(event);
      })
      .catch((error: unknown) => {
        done = true;
        subscription.unsubscribe();
        process.off("SIGINT", onInterrupt);
        reject(error as Error);
      });
  });
}
