/**
 * The context preflight of `turns.send` (PRODUCT.md 5.1 step 5). Before any call is made, every
 * model the turn will call must fit its irreducible context (its system prompt with the room,
 * roster and summary, plus this message) in its budget; history and same-turn outputs can always be
 * trimmed at run time, so a turn never fails on context midway after earlier steps were paid for.
 */
import { AppError } from "../../errors.ts";
import { whyUnusable, type Catalog } from "../models/catalog.ts";
import type { Settings } from "../settings/settings.ts";
import { contextBudget, irreducibleTokens, type ContextInput } from "./context.ts";
import type { FirstCall } from "./credits-preflight.ts";
import { MANAGER_MAX_OUTPUT_TOKENS, MANAGER_ROLE, routingCall } from "./manager-prompts.ts";
import type { TurnPlan } from "./send-turn.ts";

interface Caller {
  /** How the refusal names the model's user. */
  who: string;
  agentKey: string | null;
  model: string;
  context: ContextInput;
  /** What this model's first call may write. */
  maxOutputTokens: number;
}

/**
 * Checks every caller's model is usable and fits; returns the turn's first call (for the credits
 * preflight). `managerModel` is the one the turn will use (model-choice.ts).
 */
export function assertFits(
  plan: Pick<TurnPlan, "mode" | "room" | "roster" | "selected">,
  args: { summary: string | null; message: string; settings: Settings; catalog: Catalog; managerModel: string },
): FirstCall {
  const { settings, catalog } = args;
  const base = { mode: plan.mode, room: plan.room, summary: args.summary, history: [], userMessage: args.message, sameTurn: [] };
  const agents: Caller[] = plan.selected.map((agent) => ({
    who: `@${agent.key}'s model`,
    agentKey: agent.key,
    model: agent.model,
    context: { ...base, speaker: { key: agent.key, name: agent.name, rolePrompt: agent.role }, roster: plan.roster },
    maxOutputTokens: settings["turns.max_output_tokens"],
  }));
  // In orchestrator mode the manager reads the message too (routing first, synthesis last), and its
  // window may be smaller than the specialists'.
  const manager: Caller[] =
    plan.mode === "orchestrator"
      ? [
          {
            who: "the orchestrator's manager model",
            agentKey: null,
            model: args.managerModel,
            context: {
              ...base,
              speaker: { key: null, name: "Manager", rolePrompt: MANAGER_ROLE },
              roster: [],
              // The longest of its prompts: routing, listing every specialist (as run-turn.ts builds it).
              instructions: routingCall({
                round: settings["orchestrator.max_rounds"],
                maxRounds: settings["orchestrator.max_rounds"],
                roster: plan.roster,
                covered: plan.roster.slice(0, 1).map((a) => ({ agentKey: a.key, agentName: a.name })),
                remainingInvocations: settings["orchestrator.max_invocations"],
              }).instructions,
            },
            // Routing and evaluation answers are a line of JSON.
            maxOutputTokens: MANAGER_MAX_OUTPUT_TOKENS,
          },
        ]
      : [];

  const calls = [...agents, ...manager].map((caller) => {
    const model = catalog.get(caller.model);
    const unusable = whyUnusable(model);
    if (unusable) {
      throw new AppError(
        "model_unavailable",
        `${caller.who[0]!.toUpperCase()}${caller.who.slice(1)} (${caller.model}) cannot be used: ${unusable}. Choose another model${caller.agentKey ? " for the agent" : " in Models & providers"}.`,
        { agentKey: caller.agentKey, model: caller.model },
      );
    }
    const budget = contextBudget(model?.contextWindow, settings["turns.max_output_tokens"]);
    const needed = irreducibleTokens(caller.context);
    if (needed > budget.input) {
      throw new AppError("context_budget_exceeded", `The message is too long for ${caller.who} (${caller.model}): ${needed} tokens, budget ${budget.input}.`, {
        agentKey: caller.agentKey,
        model: caller.model,
        neededTokens: needed,
        budgetTokens: budget.input,
        contextWindow: budget.contextWindow,
      });
    }
    return { modelAlias: caller.model, inputTokens: needed, maxOutputTokens: caller.maxOutputTokens };
  });
  // The manager's routing comes first in orchestrator mode; otherwise the first selected agent.
  return manager.length ? calls.at(-1)! : calls[0]!;
}
