/**
 * The credits preflight of `turns.send` (PRODUCT.md 5.1 step 4): with enforcement on, a turn is
 * refused with `insufficient_credits` (PAYMENT_REQUIRED) when the wallet cannot cover the worst
 * case of its first call. Later calls are reserved one by one as the turn runs; a turn that runs
 * out mid-way ends `partial`.
 */
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { availableCredits, worstCaseCredits } from "../metering/formula.ts";
import { activePricing } from "../metering/meter.ts";
import { ensureWallet } from "../metering/wallet.ts";
import type { Settings } from "../settings/settings.ts";

export interface FirstCall {
  modelAlias: string;
  inputTokens: number;
  maxOutputTokens: number;
}

export async function checkCreditsForTurn(tx: Prisma.TransactionClient, userId: string, first: FirstCall, settings: Settings): Promise<void> {
  await ensureWallet(tx, userId, settings);
  if (!settings["credits.enforcement"]) return;
  const pricing = await activePricing(tx, first.modelAlias);
  const needed = worstCaseCredits(first.inputTokens, first.maxOutputTokens, pricing.multiplier.toString());
  const wallet = await tx.creditWallet.findUniqueOrThrow({ where: { userId } });
  const available = availableCredits({ balance: wallet.balance.toString(), reserved: wallet.reserved.toString() });
  if (available.lt(needed)) {
    throw new AppError("insufficient_credits", `Not enough credits: the first call needs up to ${needed.toString()}, and ${available.toString()} are available.`, {
      needed: needed.toString(),
      available: available.toString(),
      balance: wallet.balance.toString(),
    });
  }
}
