/**
 * A plan's monthly grant (PRODUCT.md 14): one `plan_grant` credit transaction per period. Both
 * paths call this: the scheduled job for manual subscriptions (reference
 * `manual:<subscriptionId>:<periodStart ISO>`) and Stripe's invoice.paid (reference = the invoice
 * id). The unique (kind, reference_id) makes a period grant once, whoever calls it and however often.
 */
import { Decimal } from "decimal.js";
import type { Plan, Prisma } from "@/generated/prisma/client.ts";
import { ensureWallet } from "../metering/wallet.ts";
import { getSettings } from "../settings/settings.ts";

type Tx = Prisma.TransactionClient;

export function manualGrantReference(subscriptionId: string, periodStart: Date): string {
  return `manual:${subscriptionId}:${periodStart.toISOString()}`;
}

export type PlanGrantResult =
  | { granted: true; transactionId: string; amount: string; balanceAfter: string }
  | { granted: false; reason: "zero_credits" | "already_granted" };

/**
 * Writes the plan_grant for `referenceId` and adds it to the wallet, once: a second call with the
 * same reference (a redelivered event, a second worker, a rerun after a crash) changes nothing and
 * returns `already_granted`. It never throws on the duplicate, so the caller's transaction stays
 * usable: the wallet row is locked first (concurrent grants of one user take turns, and the one
 * that waited sees the other's committed row), and the insert is ON CONFLICT DO NOTHING besides.
 * A plan with 0 monthly credits grants nothing.
 */
export async function grantPlanPeriod(
  tx: Tx,
  args: { userId: string; plan: Pick<Plan, "key" | "name" | "monthlyCredits">; referenceId: string; note?: string; initiatedBy?: string },
): Promise<PlanGrantResult> {
  const amount = new Decimal(args.plan.monthlyCredits.toString());
  if (amount.lte(0)) return { granted: false, reason: "zero_credits" };
  await ensureWallet(tx, args.userId, await getSettings(tx));
  await tx.$queryRaw`SELECT 1 FROM credit_wallets WHERE user_id = ${args.userId}::uuid FOR UPDATE`;
  const note = args.note ?? `${args.plan.name} plan: monthly credits`;
  const [inserted] = await tx.$queryRaw<{ id: string; balanceAfter: string }[]>`
    INSERT INTO credit_transactions (id, user_id, kind, amount, balance_after, reference_id, initiated_by, note, created_at)
    SELECT gen_random_uuid(), ${args.userId}::uuid, 'plan_grant', ${amount.toString()}::numeric, w.balance + ${amount.toString()}::numeric,
      ${args.referenceId}, ${args.initiatedBy ?? null}, ${note}, now()
    FROM credit_wallets w WHERE w.user_id = ${args.userId}::uuid
    ON CONFLICT (kind, reference_id) DO NOTHING
    RETURNING id::text, balance_after::text AS "balanceAfter"`;
  if (!inserted) return { granted: false, reason: "already_granted" };
  await tx.$executeRaw`
    UPDATE credit_wallets SET balance = balance + ${amount.toString()}::numeric, updated_at = now() WHERE user_id = ${args.userId}::uuid`;
  return { granted: true, transactionId: inserted.id, amount: amount.toString(), balanceAfter: new Decimal(inserted.balanceAfter).toString() };
}
