/**
 * The scheduled monthly grant of manual subscriptions (queue `billing.grants`, every 5 minutes):
 * without Stripe, a period boundary is what grants the next period's credits, not invoice.paid.
 * Stripe subscriptions are never granted here (their invoice.paid does it), so exactly one path
 * grants each period.
 *
 * Exactly once, even with two workers and a restart at the boundary: each subscription is advanced
 * and granted in one transaction holding its row (FOR UPDATE SKIP LOCKED: another worker on it is
 * skipped, and one that already advanced it no longer matches), and the grant's reference
 * `manual:<subscriptionId>:<periodStart>` is unique, so even a period advanced twice from a stale
 * state grants once.
 */
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { logger } from "../../logger.ts";
import { grantPlanPeriod, manualGrantReference } from "./plan-grant.ts";
import { periodContaining } from "./plan-periods.ts";

type Tx = Prisma.TransactionClient;

export interface GrantRunReport {
  /** Subscriptions moved to their next period. */
  advanced: number;
  /** plan_grant transactions written. */
  granted: number;
  /** Subscriptions ended at their period's end (cancel_at_period_end). */
  ended: number;
  /** Due subscriptions another worker held, or that were already done. */
  skipped: number;
}

interface DueRow {
  id: string;
  userId: string;
  planId: string;
  currentPeriodEnd: Date;
  cancelAtPeriodEnd: boolean;
}

/** Test seam: runs inside a subscription's transaction after its writes, before the commit. */
export interface GrantHooks {
  beforeCommit?: (tx: Tx, subscriptionId: string) => Promise<void>;
}

const BATCH = 200;

export async function grantDuePeriods(db: Db, now = new Date(), hooks: GrantHooks = {}): Promise<GrantRunReport> {
  const report: GrantRunReport = { advanced: 0, granted: 0, ended: 0, skipped: 0 };
  const failures: unknown[] = [];
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const due = await db.$queryRaw<{ id: string }[]>`
      SELECT id FROM subscriptions
      WHERE source = 'manual' AND status = 'active' AND ended_at IS NULL AND current_period_end <= ${now} AND id > ${after}::uuid
      ORDER BY id LIMIT ${BATCH}`;
    for (const { id } of due) {
      try {
        const { outcome, granted } = await db.$transaction((tx) => grantDueSubscription(tx, id, now, hooks));
        report[outcome]++;
        if (granted) report.granted++;
      } catch (error) {
        // One subscription's failure must not hold back the others' grants; the job fails after
        // them, so pg-boss retries it and the failed one is tried again (its grant is still once).
        logger.error({ component: "billing", subscriptionId: id, err: error }, "could not grant a plan period");
        failures.push(error);
      }
    }
    if (due.length < BATCH) break;
    after = due[due.length - 1]!.id;
  }
  if (failures.length) throw failures[0];
  return report;
}

/** One subscription's boundary, in the caller's transaction. */
async function grantDueSubscription(tx: Tx, id: string, now: Date, hooks: GrantHooks): Promise<{ outcome: "advanced" | "ended" | "skipped"; granted: boolean }> {
  const [row] = await tx.$queryRaw<DueRow[]>`
    SELECT id, user_id AS "userId", plan_id AS "planId", current_period_end AS "currentPeriodEnd", cancel_at_period_end AS "cancelAtPeriodEnd"
    FROM subscriptions
    WHERE id = ${id}::uuid AND source = 'manual' AND status = 'active' AND ended_at IS NULL AND current_period_end <= ${now}
    FOR UPDATE SKIP LOCKED`;
  if (!row) return { outcome: "skipped", granted: false };
  if (row.cancelAtPeriodEnd) {
    await tx.subscription.update({ where: { id }, data: { status: "canceled", endedAt: row.currentPeriodEnd } });
    await hooks.beforeCommit?.(tx, id);
    return { outcome: "ended", granted: false };
  }
  const period = periodContaining(row.currentPeriodEnd, now);
  await tx.subscription.update({ where: { id }, data: { currentPeriodStart: period.start, currentPeriodEnd: period.end } });
  // The plan as it is now: a change of monthly credits applies from the next period.
  const plan = await tx.plan.findUniqueOrThrow({ where: { id: row.planId } });
  const grant = await grantPlanPeriod(tx, {
    userId: row.userId,
    plan,
    referenceId: manualGrantReference(id, period.start),
    initiatedBy: "billing.grants",
    note: `${plan.name} plan: credits for the period from ${period.start.toISOString().slice(0, 10)}`,
  });
  await hooks.beforeCommit?.(tx, id);
  if (!grant.granted && grant.reason === "already_granted") logger.warn({ component: "billing", subscriptionId: id, periodStart: period.start }, "plan period was already granted");
  return { outcome: "advanced", granted: grant.granted };
}
