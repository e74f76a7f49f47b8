/**
 * What a plan enforces at send (PRODUCT.md 14): the models its users may call, and its rate-limit
 * overrides. Both are read inside the send's transaction, before anything is reserved or created,
 * so a refusal costs nothing and leaves no turn (and so does not count toward the rate limit).
 */
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import type { Settings } from "../settings/settings.ts";
import { planAllowsModel, planForUser } from "./plans.ts";

type Tx = Prisma.TransactionClient;

export interface PlannedModel {
  model: string;
  /** The agent that would call it; null for the orchestrator's manager. */
  agentKey: string | null;
}

/** Refuses with `model_not_in_plan` when any model the turn would call is outside the user's plan. */
export async function assertModelsInPlan(tx: Tx, userId: string, models: PlannedModel[]): Promise<void> {
  const { plan } = await planForUser(tx, userId);
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

/** The user's turn rate limits: the plan's overrides where set, the global settings otherwise. */
export async function rateLimitsForUser(tx: Tx, userId: string, settings: Settings): Promise<{ perMinute: number; perHour: number }> {
  const { plan } = await planForUser(tx, userId);
  return {
    perMinute: plan.rateLimitPerMinute ?? settings["turns.rate_limit_per_minute"],
    perHour: plan.rateLimitPerHour ?? settings["turns.rate_limit_per_hour"],
  };
}
