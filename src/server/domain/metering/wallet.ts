/**
 * Credit wallets (PRODUCT.md 7.3): one per user, created on first use with the signup grant (a
 * setting). Every change of balance is a `credit_transactions` row; a reference is unique per kind,
 * so a grant with the same reference cannot happen twice.
 */
import { Decimal } from "decimal.js";
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../db-errors.ts";
import { AppError } from "../../errors.ts";
import { availableCredits, isLowBalance } from "./formula.ts";
import { getSettings, type Settings } from "../settings/settings.ts";

type Tx = Prisma.TransactionClient;

/** Creates the user's wallet with the signup grant if it has none (true then); a no-op otherwise. */
export async function ensureWallet(tx: Tx, userId: string, settings: Settings): Promise<boolean> {
  const grant = new Decimal(settings["credits.signup_grant"]);
  const created = await tx.$executeRaw`
    INSERT INTO credit_wallets (user_id, balance, reserved, updated_at) VALUES (${userId}::uuid, ${grant.toString()}::numeric, 0, now())
    ON CONFLICT (user_id) DO NOTHING`;
  if (created && grant.gt(0)) {
    await tx.creditTransaction.create({
      data: { userId, kind: "grant", amount: grant.toString(), balanceAfter: grant.toString(), referenceId: `signup:${userId}`, note: "Signup grant" },
    });
  }
  return created > 0;
}

export async function getWallet(db: Db, userId: string) {
  const settings = await getSettings(db);
  // Read on every signed-in page (the low-balance banner): write only the first time.
  let wallet = await db.creditWallet.findUnique({ where: { userId } });
  if (!wallet) {
    try {
      await db.$transaction((tx) => ensureWallet(tx, userId, settings));
    } catch (error) {
      // The account was deleted after this request was signed in: it has no wallet to show.
      if (isForeignKeyViolation(error)) throw new AppError("unauthorized", "This account no longer exists.");
      throw error;
    }
    wallet = await db.creditWallet.findUniqueOrThrow({ where: { userId } });
  }
  const threshold = new Decimal(settings["credits.low_balance_threshold"]);
  return {
    balance: wallet.balance.toString(),
    reserved: wallet.reserved.toString(),
    available: availableCredits({ balance: wallet.balance.toString(), reserved: wallet.reserved.toString() }).toString(),
    lowBalance: isLowBalance(wallet.balance.toString(), threshold),
    lowBalanceThreshold: threshold.toString(),
    enforcement: settings["credits.enforcement"],
  };
}

/**
 * Adds credits (an operator's grant, a top-up, a refund). `referenceId` makes it idempotent: the
 * same kind and reference again is a CONFLICT and changes nothing.
 */
export async function grantCredits(
  db: Db,
  args: { userId: string; amount: string; kind?: "grant" | "topup" | "refund" | "plan_grant"; referenceId?: string; initiatedBy?: string; note?: string },
) {
  const amount = new Decimal(args.amount);
  if (!amount.isFinite() || amount.lte(0) || amount.decimalPlaces() > 6) throw new AppError("invalid_input", "The amount must be a positive number with at most 6 decimals.");
  const settings = await getSettings(db);
  try {
    return await db.$transaction(async (tx) => {
      await ensureWallet(tx, args.userId, settings);
      const [wallet] = await tx.$queryRaw<{ balance: string }[]>`
        UPDATE credit_wallets SET balance = balance + ${amount.toString()}::numeric, updated_at = now()
        WHERE user_id = ${args.userId}::uuid RETURNING balance::text`;
      return tx.creditTransaction.create({
        data: {
          userId: args.userId,
          kind: args.kind ?? "grant",
          amount: amount.toString(),
          balanceAfter: wallet!.balance,
          referenceId: args.referenceId ?? null,
          initiatedBy: args.initiatedBy ?? null,
          note: args.note ?? "",
        },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", "A transaction with this reference already exists.");
    throw error;
  }
}
