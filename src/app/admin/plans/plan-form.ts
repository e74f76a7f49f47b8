/**
 * The plan form's fields as typed, and the API input they become. Prices are typed in the
 * currency's main unit ("9" or "9.90") and sent in cents, never through a float.
 */
import type { PlanView } from "@/server/domain/billing/plans.ts";

export interface PlanFormFields {
  key: string;
  name: string;
  monthlyCredits: string;
  price: string;
  currency: string;
  stripePriceId: string;
  allowedModels: string[];
  rateLimitPerMinute: string;
  rateLimitPerHour: string;
  active: boolean;
}

/** What the form reads of a plan (as the API shows it). */
export type PlanLike = Pick<
  PlanView,
  "key" | "name" | "monthlyCredits" | "priceCents" | "currency" | "stripePriceId" | "allowedModels" | "rateLimitPerMinute" | "rateLimitPerHour" | "active"
>;

export const emptyPlanFields: PlanFormFields = {
  key: "",
  name: "",
  monthlyCredits: "0",
  price: "0",
  currency: "usd",
  stripePriceId: "",
  allowedModels: [],
  rateLimitPerMinute: "",
  rateLimitPerHour: "",
  active: true,
};

export function fieldsOfPlan(plan: PlanLike): PlanFormFields {
  return {
    key: plan.key,
    name: plan.name,
    monthlyCredits: plan.monthlyCredits,
    price: formatPrice(plan.priceCents),
    currency: plan.currency,
    stripePriceId: plan.stripePriceId ?? "",
    allowedModels: [...plan.allowedModels],
    rateLimitPerMinute: plan.rateLimitPerMinute === null ? "" : String(plan.rateLimitPerMinute),
    rateLimitPerHour: plan.rateLimitPerHour === null ? "" : String(plan.rateLimitPerHour),
    active: plan.active,
  };
}

/** Cents as the form shows them: "9", "9.90". */
export function formatPrice(cents: number): string {
  const whole = Math.floor(cents / 100);
  const rest = cents % 100;
  return rest === 0 ? String(whole) : `${whole}.${String(rest).padStart(2, "0")}`;
}

/** "9.9" → 990 cents; null when it is not an amount with at most 2 decimals. */
export function parsePrice(text: string): number | null {
  const match = /^(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
}

/** A price for people: "$9.00 / month", or "Free". */
export function priceLabel(cents: number, currency: string): string {
  if (cents === 0) return "Free";
  try {
    return `${new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100)} / month`;
  } catch {
    return `${formatPrice(cents)} ${currency.toUpperCase()} / month`;
  }
}

type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

function rateLimit(text: string): number | null | undefined {
  if (text.trim() === "") return null;
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** The fields checked the way the server will, so a mistake is shown at its field at once. */
export function planInputOf(fields: PlanFormFields): Parsed {
  const errors: Record<string, string> = {};
  const price = parsePrice(fields.price);
  if (price === null) errors.priceCents = "A price like 9 or 9.90 (0 for free)";
  if (!/^\d{1,14}(\.\d{1,6})?$/.test(fields.monthlyCredits.trim())) errors.monthlyCredits = "A number of credits (0 or more, at most 6 decimals), like 1000";
  if (!fields.name.trim()) errors.name = "Give the plan a name";
  const perMinute = rateLimit(fields.rateLimitPerMinute);
  const perHour = rateLimit(fields.rateLimitPerHour);
  if (perMinute === undefined) errors.rateLimitPerMinute = "A whole number of turns, 1 or more, or empty for the global limit";
  if (perHour === undefined) errors.rateLimitPerHour = "A whole number of turns, 1 or more, or empty for the global limit";
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      name: fields.name.trim(),
      monthlyCredits: fields.monthlyCredits.trim(),
      priceCents: price,
      currency: fields.currency.trim().toLowerCase() || "usd",
      stripePriceId: fields.stripePriceId.trim() || null,
      allowedModels: fields.allowedModels,
      rateLimitPerMinute: perMinute,
      rateLimitPerHour: perHour,
      active: fields.active,
    },
  };
}
