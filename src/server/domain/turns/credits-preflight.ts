/**
 * The credits preflight of `turns.send` (PRODUCT.md 5.1 step 4). Metering is not built yet, so
 * there is no wallet to check and every turn passes; the metering work fills this in (refusing with
 * `insufficient_credits` when the first call's reservation cannot be covered) without touching the
 * send path.
 */
import type { Prisma } from "@/generated/prisma/client.ts";
import type { Settings } from "../settings/settings.ts";
import type { RosterEntry } from "./context.ts";

export async function checkCreditsForTurn(
  _tx: Prisma.TransactionClient,
  _userId: string,
  _plan: { selected: RosterEntry[]; settings: Settings },
): Promise<void> {}
