/**
 * Owners' plan writes (PRODUCT.md 9, 14): create, edit, and move the default. Each write records one
 * audit row (before/after) in its own transaction. A change of monthly credits applies from the
 * next period, because a period's grant reads the plan when it is granted.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Plan, Prisma } from "@/generated/prisma/client.ts";
import { isUniqueViolation } from "../../db-errors.ts";
import { AppError } from "../../errors.ts";
import { recordAudit, type AuditActor } from "../admin/audit.ts";
import { findPlan, planView } from "./plans.ts";

type Tx = Prisma.TransactionClient;

const rateLimit = z.number().int().min(1).max(100_000).nullable();

const planFields = {
  name: z.string().trim().min(1, "Give the plan a name").max(80),
  /** Credits granted each period: an exact decimal string, never a float. */
  monthlyCredits: z
    .string()
    .trim()
    .regex(/^\d{1,14}(\.\d{1,6})?$/, "A number of credits (0 or more, at most 6 decimals), like 1000"),
  priceCents: z.number().int().min(0).max(100_000_000),
  currency: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, "A 3-letter currency code, like usd"),
  stripePriceId: z
    .string()
    .trim()
    .max(200)
    .nullable()
    .transform((v) => (v ? v : null)),
  /** Model aliases the plan's users may call; empty: every model. */
  allowedModels: z.array(z.string().trim().min(1).max(100)).max(200),
  rateLimitPerMinute: rateLimit,
  rateLimitPerHour: rateLimit,
  active: z.boolean(),
  position: z.number().int().min(0).max(10_000),
};

export const createPlanInput = z.object({
  key: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "Lowercase letters, digits, - and _, up to 40, like pro or team-2"),
  ...planFields,
  currency: planFields.currency.default("usd"),
  stripePriceId: planFields.stripePriceId.default(null),
  allowedModels: planFields.allowedModels.default([]),
  rateLimitPerMinute: rateLimit.default(null),
  rateLimitPerHour: rateLimit.default(null),
  active: z.boolean().default(true),
  position: planFields.position.optional(),
});

export const updatePlanInput = z.object({ planId: z.uuid() }).extend(
  Object.fromEntries(Object.entries(planFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof planFields]: z.ZodOptional<(typeof planFields)[K]> },
);

export const setDefaultPlanInput = z.object({ planId: z.uuid() });

/** Every alias must name a model in the catalog (`llm_models`), so a typo cannot lock users out. */
async function assertKnownModels(tx: Tx, aliases: string[]): Promise<string[]> {
  const unique = [...new Set(aliases)];
  if (unique.length === 0) return unique;
  const known = await tx.llmModel.findMany({ where: { alias: { in: unique } }, select: { alias: true } });
  const missing = unique.filter((a) => !known.some((k) => k.alias === a));
  if (missing.length) {
    throw new AppError("invalid_input", `Unknown model${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}.`, { field: "allowedModels", missing });
  }
  return unique;
}

function conflictOf(error: unknown): AppError | null {
  if (!isUniqueViolation(error)) return null;
  const target = JSON.stringify((error as { meta?: unknown }).meta ?? "") + String((error as Error).message);
  if (target.includes("stripe_price_id")) return new AppError("conflict", "Another plan already has this Stripe price id.", { field: "stripePriceId" });
  return new AppError("conflict", "A plan with this key already exists.", { field: "key" });
}

export async function createPlan(db: Db, actor: AuditActor, rawInput: z.input<typeof createPlanInput>) {
  const input = createPlanInput.parse(rawInput);
  try {
    return await db.$transaction(async (tx) => {
      const allowedModels = await assertKnownModels(tx, input.allowedModels);
      const position = input.position ?? ((await tx.plan.aggregate({ _max: { position: true } }))._max.position ?? -1) + 1;
      const plan = await tx.plan.create({ data: { ...input, allowedModels, position, isDefault: false } });
      await recordAudit(tx, actor, { action: "plan.create", targetType: "plan", targetId: plan.id, after: planView(plan) });
      return planView(plan);
    });
  } catch (error) {
    throw conflictOf(error) ?? error;
  }
}

export async function updatePlan(db: Db, actor: AuditActor, rawInput: z.input<typeof updatePlanInput>) {
  const { planId, ...changes } = updatePlanInput.parse(rawInput);
  try {
    return await db.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM plans WHERE id = ${planId}::uuid FOR UPDATE`;
      if (!locked) throw new AppError("not_found", "Plan not found.");
      const before = await findPlan(tx, { planId });
      if (changes.active === false && before.isDefault) {
        throw new AppError("unprocessable", "The default plan cannot be deactivated: make another plan the default first.", { field: "active" });
      }
      const data: Partial<Plan> = { ...(changes as Partial<Plan>) };
      if (changes.allowedModels) data.allowedModels = await assertKnownModels(tx, changes.allowedModels);
      const plan = await tx.plan.update({ where: { id: planId }, data: data as Prisma.PlanUpdateInput });
      await recordAudit(tx, actor, { action: "plan.update", targetType: "plan", targetId: plan.id, before: planView(before), after: planView(plan) });
      return planView(plan);
    });
  } catch (error) {
    throw conflictOf(error) ?? error;
  }
}

/** Makes `planId` the plan everyone without a subscription is on. It must be active. */
export async function setDefaultPlan(db: Db, actor: AuditActor, rawInput: z.input<typeof setDefaultPlanInput>) {
  const { planId } = setDefaultPlanInput.parse(rawInput);
  return db.$transaction(async (tx) => {
    // Every plan row, locked in one order: two owners moving the default at once take turns.
    await tx.$queryRaw`SELECT id FROM plans ORDER BY id FOR UPDATE`;
    const plan = await findPlan(tx, { planId });
    if (!plan.active) throw new AppError("unprocessable", "An inactive plan cannot be the default: activate it first.", { field: "planId" });
    const previous = await tx.plan.findFirst({ where: { isDefault: true } });
    let updated = plan;
    if (previous?.id !== plan.id) {
      // Off first, then on: the partial unique index allows one default at any statement's end.
      await tx.plan.updateMany({ where: { isDefault: true }, data: { isDefault: false } });
      updated = await tx.plan.update({ where: { id: plan.id }, data: { isDefault: true } });
    }
    // Recorded even when unchanged: the owner's action is what the log keeps.
    await recordAudit(tx, actor, {
      action: "plan.set_default",
      targetType: "plan",
      targetId: plan.id,
      before: { defaultPlan: previous ? { id: previous.id, key: previous.key } : null },
      after: { defaultPlan: { id: updated.id, key: updated.key } },
    });
    return planView(updated);
  });
}
