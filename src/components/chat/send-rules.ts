/**
 * When the composer may send, and how a refused send is explained. The tag rule is the server's
 * own (tags.ts), so the button is never enabled for a send the server would refuse for tags.
 */
import { waitInWords } from "@/lib/wait-in-words.ts";
import { parseTags, resolveTags } from "@/server/domain/turns/tags.ts";

export type ChatMode = "manual" | "roundtable" | "orchestrator" | "direct";

/** Why a send is not possible right now (shown beside the disabled button), or null. */
export function sendBlockReason(args: { mode: ChatMode | null; roster: readonly { key: string }[]; message: string; turnActive: boolean }): string | null {
  if (args.turnActive) return "A turn is running: wait for it to finish, or cancel it.";
  if (args.mode === null) return "Loading the room…";
  if (args.mode === "direct") return null;
  if (args.roster.length === 0) return "This room has no agents yet: add some in the room setup.";
  if (args.mode === "manual") {
    const tags = parseTags(args.message);
    if (tags.length === 0) return `Manual mode: tag at least one agent, like @${args.roster[0]!.key}.`;
    const { selected, unknown } = resolveTags(tags, args.roster);
    if (selected.length === 0) return `Manual mode: ${unknown.map((k) => `@${k}`).join(", ")} ${unknown.length === 1 ? "is" : "are"} not on this room's roster.`;
  }
  return null;
}

interface SendErrorLike {
  message: string;
  data?: { appCode?: string; details?: unknown; zodError?: { fieldErrors: Record<string, string[] | undefined> } | null } | null;
}

export interface SendErrorView {
  text: string;
  /** Rate limited: when a send fits again. */
  retryAfterSeconds?: number;
  /** The request may not have arrived (no answer from the server): sending again is safe and reuses the request id. */
  network: boolean;
  /** Where the user fixes it (a plan that does not include the model, credits that ran out). */
  fix?: { href: string; label: string };
}

export function describeSendError(error: SendErrorLike): SendErrorView {
  const code = error.data?.appCode;
  const details = (error.data?.details ?? {}) as Record<string, unknown>;
  if (!code) return { text: "The message may not have reached the server (network error). Send again: it will not be sent twice.", network: true };
  switch (code) {
    case "rate_limited": {
      const seconds = typeof details.retryAfterSeconds === "number" ? details.retryAfterSeconds : undefined;
      return { text: rateLimitText(seconds), retryAfterSeconds: seconds, network: false };
    }
    case "context_budget_exceeded":
      return {
        text:
          typeof details.neededTokens === "number" && typeof details.budgetTokens === "number"
            ? `This message is too long for @${String(details.agentKey)}'s model (${String(details.model)}): it needs ${details.neededTokens} tokens and the budget is ${details.budgetTokens}. Shorten it.`
            : error.message,
        network: false,
      };
    case "invalid_input":
      return { text: error.data?.zodError?.fieldErrors.message?.[0] ?? error.message, network: false };
    case "model_not_in_plan":
      return { text: error.message, network: false, fix: { href: "/usage#plans", label: "Change plan" } };
    case "insufficient_credits":
      return { text: error.message, network: false, fix: { href: "/usage#buy-credits", label: "Buy credits" } };
    case "internal_server_error":
    case "internal":
      return { text: "Something went wrong on the server. Send again in a moment.", network: false };
    default:
      // no_valid_tagged_agents, no_room_agents, turn_in_progress, not_found…: the server's sentence says it.
      return { text: error.message, network: false };
  }
}

/** A rate limit's wait as people say it: "Too many turns — try again in 26 minutes." */
export function rateLimitText(seconds: number | undefined): string {
  if (seconds === undefined) return "Too many turns for now — try again later.";
  return seconds > 0 ? `Too many turns — try again ${waitInWords(seconds)}.` : "You can send again now.";
}
