/**
 * What the agent editor says about the user's plan (PRODUCT.md 14): a model outside it is marked
 * in the picker, and the hint names a plan that includes it, so the user learns before a send is
 * refused with `model_not_in_plan`.
 */
import { api } from "@/trpc/react.tsx";

export interface PlanMarks {
  /** The user's plan name; null while it loads. */
  planName: string | null;
  /** Active plans (name and allow-list, in display order), to name one that includes a model. */
  plans: { name: string; allowedModels: string[] }[];
}

export function usePlanMarks(): PlanMarks {
  const subscription = api.billing.subscription.useQuery(undefined, { staleTime: 60_000 });
  const plans = api.billing.plans.useQuery(undefined, { staleTime: 60_000 });
  return { planName: subscription.data?.plan.name ?? null, plans: plans.data ?? [] };
}

/** The option text's suffix for a model outside the plan ("" otherwise or while loading). */
export function planSuffix(model: { inPlan: boolean }, marks: PlanMarks): string {
  return model.inPlan || !marks.planName ? "" : ` — not in your plan (${marks.planName})`;
}

/** A sentence for the hint under the picker when the chosen model is outside the plan. */
export function planHint(model: { alias: string; label: string; inPlan: boolean } | undefined, marks: PlanMarks): string {
  if (!model || model.inPlan || !marks.planName) return "";
  const allowing = marks.plans.find((p) => p.allowedModels.length === 0 || p.allowedModels.includes(model.alias));
  const where = allowing ? `The ${allowing.name} plan includes it: change plan on Usage & billing (/usage).` : "Change plan on Usage & billing (/usage).";
  return ` Your plan (${marks.planName}) does not include ${model.label}: sends to this agent will be refused. ${where}`;
}
