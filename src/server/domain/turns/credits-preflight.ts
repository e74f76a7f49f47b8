/**
 * The credits preflight of `turns.send` (PRODUCT.md 5.1 step 4): with enforcement on, a turn is
 * refused with `insufficient_credits` (PAYMENT_REQUIRED) when the wallet cannot cover the worst
 * case of its first call. Later calls are reserved one by one as the turn runs; a turn that runs
 * out mid-way ends `partial`. A user an owner capped is refused with `user_cap_reached` when the first
 * call's worst case would take them past their daily or monthly cap (what they burned today or this
 * month plus what their calls in flight hold; see src/server/domain/admin/user-caps.ts).
 */
import { Decimal } from "decimal.js";
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { assertWithinCaps } from "../admin/user-caps.ts";
import { availableCredits, worstCaseCredits } from "../metering/formula.ts";
import { activePricingVersion } from "../metering/meter.ts";
import { ensureWallet } from "../metering/wallet.ts";
import type { Settings } from "../settings/settings.ts";

export interface FirstCall {
  modelAlias: string;
  inputTokens: number;
  maxOutputTokens: number;
}

export async function checkCreditsForTurn(tx: Prisma.TransactionClient, userId: string, first: FirstCall, settings: Settings): Promise<void> {
  if (!settings["credits.enforcement"]) {
    await ensureWallet(tx, userId, settings);
    return;
  }
  // The wallet and the first call's pricing in one round trip; a user's first send creates the wallet.
  const read = () => tx.$queryRaw<{ balance: string | null; reserved: string | null; multiplier: string | null }[]>`
    SELECT w.balance::text, w.reserved::text,
      (SELECT multiplier::text FROM model_pricing WHERE model_alias = ${first.modelAlias}
        AND pricing_version = ${activePricingVersion}) AS multiplier
    FROM (SELECT 1) AS one LEFT JOIN credit_wallets w ON w.user_id = ${userId}::uuid`;
  let [wallet] = await read();
  if (wallet?.balance == null) {
    await ensureWallet(tx, userId, settings);
    [wallet] = await read();
  }
  if (!wallet?.balance || !wallet.reserved) throw new Error(`no wallet for user ${userId}`);
  if (!wallet.multiplier) throw new Error(`no active pricing for model ${first.modelAlias}`);
  const needed = worstCaseCredits(first.inputTokens, first.maxOutputTokens, wallet.multiplier);
  const available = availableCredits({ balance: wallet.balance, reserved: wallet.reserved });
  if (available.lt(needed)) {
    throw new AppError("insufficient_credits", `Not enough credits: the first call needs up to ${needed.toString()}, and ${available.toString()} are available.`, {
      needed: needed.toString(),
      available: available.toString(),
      balance: new Decimal(wallet.balance).toString(),
    });
  }
  // Not locked here: each call's reservation checks again under the wallet's lock (meter.ts).
  await assertWithinCaps(tx, userId, needed, { lockWallet: false });
}
