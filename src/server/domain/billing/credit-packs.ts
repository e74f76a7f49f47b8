/**
 * Credit packs users can buy through Stripe Checkout (PRODUCT.md 14): fixed amounts at fixed
 * prices. Stored in `app_settings` under `billing.credit_packs` (a JSON array, set by an operator
 * with the CLI's `plans set-packs`) and read on every use like every other setting; the defaults apply until
 * then. Kept out of the admin settings form, which edits single numbers and switches only.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { logger } from "../../logger.ts";

export const CREDIT_PACKS_KEY = "billing.credit_packs";

const credits = z.union([z.number(), z.string()]).transform((v, ctx) => {
  // decimal.js throws on text that is no number: that must be a refusal, not an exception.
  let d: Decimal | null = null;
  try {
    d = new Decimal(v);
  } catch {
    d = null;
  }
  if (!d || !d.isFinite() || d.lte(0) || d.decimalPlaces() > 6) {
    ctx.addIssue({ code: "custom", message: "credits must be a positive number with at most 6 decimals" });
    return z.NEVER;
  }
  return d.toString();
});

const packSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "a pack id is lowercase letters, digits, - and _"),
  credits,
  priceCents: z.number().int().min(50).max(100_000_00),
  currency: z.string().regex(/^[a-z]{3}$/).default("usd"),
});

export const creditPacksSchema = z
  .array(packSchema)
  .max(12)
  .refine((packs) => new Set(packs.map((p) => p.id)).size === packs.length, "pack ids must be unique");

export type CreditPack = z.output<typeof packSchema>;

export const defaultCreditPacks: CreditPack[] = [
  { id: "small", credits: "500", priceCents: 500, currency: "usd" },
  { id: "medium", credits: "2000", priceCents: 1800, currency: "usd" },
  { id: "large", credits: "10000", priceCents: 8000, currency: "usd" },
];

export async function getCreditPacks(db: Pick<Db, "appSetting">): Promise<CreditPack[]> {
  const row = await db.appSetting.findUnique({ where: { key: CREDIT_PACKS_KEY } });
  if (!row) return defaultCreditPacks;
  const parsed = creditPacksSchema.safeParse(row.value);
  if (parsed.success) return parsed.data;
  logger.warn({ key: CREDIT_PACKS_KEY, issues: parsed.error.issues }, "ignoring invalid credit packs; using the defaults");
  return defaultCreditPacks;
}

export async function setCreditPacks(db: Pick<Db, "appSetting">, packs: z.input<typeof creditPacksSchema>): Promise<CreditPack[]> {
  const parsed = creditPacksSchema.parse(packs);
  const value = parsed as unknown as Prisma.InputJsonValue;
  await db.appSetting.upsert({ where: { key: CREDIT_PACKS_KEY }, create: { key: CREDIT_PACKS_KEY, value }, update: { value } });
  return parsed;
}
