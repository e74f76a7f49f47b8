/**
 * What a plan enforces at send (PRODUCT.md 14): the models its users may call, and its rate-limit
 * overrides. The send reads the user's plan once inside its transaction and checks both before
 * anything is reserved or created, so a refusal costs nothing and leaves no turn (and so does not
 * count toward the rate limit).
 */
import type { Plan } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import type { Settings } from "../settings/settings.ts";
import { planAllowsModel } from "./plans.ts";

export interface PlannedModel {
  model: string;
  /** The agent that would call it; null for the orchestrator's manager. */
  agentKey: string | null;
}

/** Refuses with `model_not_in_plan` when any model the turn would call is outside the user's plan. */
export function assertModelsInPlan(plan: Plan, models: PlannedModel[]): void {
  const refused = models.find((entry) => !planAllowsModel(plan, entry.model));
  if (!refused) return;
  const who = refused.agentKey ? `agent @${refused.agentKey}` : "the orchestrator's manager";
  throw new AppError("model_not_in_plan", `Your plan "${plan.name}" does not include the model "${refused.model}" (${who}). Change plan on Usage & billing.`, {
    plan: plan.name,
    planKey: plan.key,
    model: refused.model,
    agentKey: refused.agentKey,
    allowedModels: [...plan.allowedModels],
  });
}

/** A plan's turn rate limits: its overrides where set, the global settings otherwise. */
export function rateLimitsForPlan(plan: Plan, settings: Settings): { perMinute: number; perHour: number } {
  return {
    perMinute: plan.rateLimitPerMinute ?? settings["turns.rate_limit_per_minute"],
    perHour: plan.rateLimitPerHour ?? settings["turns.rate_limit_per_hour"],
  };
}
