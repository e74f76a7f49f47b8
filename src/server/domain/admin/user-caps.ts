/**
 * Per-user credit caps (PRODUCT.md 9): an owner may limit what a user burns per UTC day and per UTC
 * month. What counts against a cap is what the user burned in that window — their ledger rows'
 * `credits_burned` and their tool calls' `credits` — plus what their calls in flight hold
 * (`wallet_reservations`), plus the worst case of the call about to start. A call that would take
 * that past a cap is refused with `user_cap_reached` (PAYMENT_REQUIRED): at send (the preflight,
 * for the turn's first call) and before every call of a running turn (`reserveCall`, under the
 * wallet row's lock, so concurrent turns of one user cannot together pass it).
 *
 * Caps are credit limits like the wallet's: with `credits.enforcement` off, neither applies.
 */
import { Decimal } from "decimal.js";
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";

type Tx = Prisma.TransactionClient;

export type CapKind = "daily" | "monthly";

export interface CapWindows {
  dayStart: Date;
  /** The next UTC midnight: when the daily cap starts over. */
  dayResetsAt: Date;
  monthStart: Date;
  /** The first instant of the next UTC month. */
  monthResetsAt: Date;
}

export function capWindows(now: Date): CapWindows {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  return {
    dayStart: new Date(Date.UTC(y, m, d)),
    dayResetsAt: new Date(Date.UTC(y, m, d + 1)),
    monthStart: new Date(Date.UTC(y, m, 1)),
    monthResetsAt: new Date(Date.UTC(y, m + 1, 1)),
  };
}

export interface CapUsage {
  dailyCap: string | null;
  monthlyCap: string | null;
  /** Burned since the start of the UTC day / month (ledger and tool calls). */
  burnedToday: string;
  burnedThisMonth: string;
  /** What the user's calls in flight hold now. */
  held: string;
  windows: CapWindows;
}

/** A user's caps (null when none) and what counts against them, read in one statement. */
export async function readCapUsage(tx: Pick<Tx, "$queryRaw">, userId: string, now = new Date()): Promise<CapUsage> {
  const windows = capWindows(now);
  const [row] = await tx.$queryRaw<{ dailyCap: string | null; monthlyCap: string | null; today: string; month: string; held: string }[]>`
    WITH burned AS (
      SELECT credits_burned AS credits, created_at AS at FROM llm_call_events
        WHERE user_id = ${userId}::uuid AND created_at >= ${windows.monthStart}
      UNION ALL
      SELECT credits, started_at FROM tool_call_events
        WHERE user_id = ${userId}::uuid AND started_at >= ${windows.monthStart} AND credits > 0)
    SELECT c.daily_cap::text AS "dailyCap", c.monthly_cap::text AS "monthlyCap",
      (SELECT COALESCE(sum(credits) FILTER (WHERE at >= ${windows.dayStart}), 0)::text FROM burned) AS today,
      (SELECT COALESCE(sum(credits), 0)::text FROM burned) AS month,
      (SELECT COALESCE(sum(amount), 0)::text FROM wallet_reservations WHERE user_id = ${userId}::uuid) AS held
    FROM (SELECT 1) AS one LEFT JOIN user_credit_caps c ON c.user_id = ${userId}::uuid`;
  return { dailyCap: row!.dailyCap, monthlyCap: row!.monthlyCap, burnedToday: row!.today, burnedThisMonth: row!.month, held: row!.held, windows };
}

export interface CapRefusal {
  cap: CapKind;
  limit: string;
  /** Burned in the window plus what calls in flight hold. */
  used: string;
  /** The worst case of the call that was refused. */
  needed: string;
  resetsAt: string;
}

/** The first cap that `needed` more credits would pass (daily before monthly), or null. */
export function capRefusal(usage: CapUsage, needed: Decimal.Value): CapRefusal | null {
  const windows: [CapKind, string | null, string, Date][] = [
    ["daily", usage.dailyCap, usage.burnedToday, usage.windows.dayResetsAt],
    ["monthly", usage.monthlyCap, usage.burnedThisMonth, usage.windows.monthResetsAt],
  ];
  for (const [cap, limit, burned, resetsAt] of windows) {
    if (limit === null) continue;
    const used = new Decimal(burned).plus(usage.held);
    if (used.plus(needed).gt(limit)) {
      return { cap, limit: new Decimal(limit).toString(), used: used.toString(), needed: new Decimal(needed).toString(), resetsAt: resetsAt.toISOString() };
    }
  }
  return null;
}

export function capReachedError(refusal: CapRefusal): AppError {
  const left = Decimal.max(0, new Decimal(refusal.limit).minus(refusal.used));
  return new AppError(
    "user_cap_reached",
    `Your ${refusal.cap} credit cap of ${refusal.limit} is reached: ${refusal.used} used (calls in flight included), ${left.toString()} left, and the next call needs up to ${refusal.needed}. It resets at ${refusal.resetsAt}.`,
    { ...refusal },
  );
}

/**
 * Refuses with `user_cap_reached` when a call needing up to `needed` credits would take the user past
 * a cap. With `lockWallet`, the user's wallet row is locked first (`FOR UPDATE`, held to the commit)
 * and the usage read by the next statement, which in READ COMMITTED sees every reservation and
 * settlement committed by whoever held the lock before: the wallet row is what each reservation and
 * settlement of the user takes, so checks of concurrent calls take turns and each sees the others'
 * holds. A user without caps costs one indexed read.
 */
export async function assertWithinCaps(tx: Tx, userId: string, needed: Decimal.Value, options: { lockWallet: boolean }): Promise<void> {
  const [caps] = await tx.$queryRaw<{ any: boolean }[]>`
    SELECT (daily_cap IS NOT NULL OR monthly_cap IS NOT NULL) AS any FROM user_credit_caps WHERE user_id = ${userId}::uuid`;
  if (!caps?.any) return;
  if (options.lockWallet) await tx.$queryRaw`SELECT 1 FROM credit_wallets WHERE user_id = ${userId}::uuid FOR UPDATE`;
  const refusal = capRefusal(await readCapUsage(tx, userId), needed);
  if (refusal) throw capReachedError(refusal);
}
