/**
 * Credit packs users can buy through Stripe Checkout (PRODUCT.md 14): fixed amounts at fixed
 * prices. Stored in `app_settings` under `billing.credit_packs` (a JSON array, replaced by an owner
 * on the admin Plans page or by an operator with the CLI's `plans set-packs`, both through
 * `replaceCreditPacks`) and read on every use like every other setting; the defaults apply until
 * then. Kept out of the admin settings form, which edits single numbers and switches only.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { logger } from "../../logger.ts";
import { recordAudit, type AuditActor } from "../admin/audit.ts";

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
  currency: z.string().regex(/^[a-z]{3}$/, "a 3-letter currency code, like usd").default("usd"),
  /** What users see above the amount, e.g. "Starter"; without one they see the credits alone. */
  name: z.string().trim().min(1, "a name is 1 to 60 characters").max(60, "a name is 1 to 60 characters").optional(),
});

export const creditPacksSchema = z
  .array(packSchema)
  .max(12, "at most 12 packs")
  .superRefine(
    (packs, ctx) => {
      // Reported at each repeated id (not the list as a whole), so an editor can show it at its field.
      const seen = new Set<string>();
      packs.forEach((p, i) => {
        const id = (p as { id?: unknown } | null)?.id;
        if (typeof id !== "string") return;
        if (seen.has(id)) ctx.addIssue({ code: "custom", message: "pack ids must be unique", path: [i, "id"] });
        seen.add(id);
      });
    },
    // Also when another pack has a mistake, so every problem is reported at once (the packs may then be partly unchecked).
    { when: (payload) => Array.isArray(payload.value) },
  );

export type CreditPack = z.output<typeof packSchema>;
export type CreditPackInput = z.input<typeof packSchema>;

export const defaultCreditPacks: CreditPack[] = [
  { id: "small", credits: "500", priceCents: 500, currency: "usd" },
  { id: "medium", credits: "2000", priceCents: 1800, currency: "usd" },
  { id: "large", credits: "10000", priceCents: 8000, currency: "usd" },
];

export async function getCreditPacks(db: Pick<Db, "appSetting">): Promise<CreditPack[]> {
  return (await creditPacksWithSource(db)).packs;
}

/** The packs on sale, and whether they are the built-in defaults (no stored list): the console shows which. */
export async function creditPacksWithSource(db: Pick<Db, "appSetting">): Promise<{ packs: CreditPack[]; defaults: boolean }> {
  const row = await db.appSetting.findUnique({ where: { key: CREDIT_PACKS_KEY } });
  if (!row) return { packs: defaultCreditPacks, defaults: true };
  const parsed = creditPacksSchema.safeParse(row.value);
  if (parsed.success) return { packs: parsed.data, defaults: false };
  // A stored list that no longer fits: users are offered the defaults, but it is still a stored list.
  logger.warn({ key: CREDIT_PACKS_KEY, issues: parsed.error.issues }, "ignoring invalid credit packs; using the defaults");
  return { packs: defaultCreditPacks, defaults: false };
}

/** A list is replaced whole: `{ packs }`, each pack checked by `creditPacksSchema` in `replaceCreditPacks`. */
export const setCreditPacksInput = z.object({
  packs: z.array(z.custom<CreditPackInput>((v) => typeof v === "object" && v !== null && !Array.isArray(v), "a pack is an object")).max(100),
});

/**
 * Why packs were refused, per field: `{ "1.credits": "…", "2.id": "…" }` (index in the list, then
 * the pack's field); a problem with the list itself is under "".
 */
export function creditPackFieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".");
    fields[key] ??= issue.message;
  }
  return fields;
}

/**
 * Replaces the packs on sale and records one audit row (before/after) in the same transaction: the
 * admin console's `admin.plans.setCreditPacks` and the CLI's `plans set-packs`. Packs that do not
 * fit are `invalid_input` with `details.fields` (creditPackFieldErrors) and change nothing.
 */
export async function replaceCreditPacks(db: Db, actor: AuditActor, packs: unknown): Promise<CreditPack[]> {
  const checked = creditPacksSchema.safeParse(packs);
  if (!checked.success) {
    throw new AppError("invalid_input", `Those packs do not fit:\n${z.prettifyError(checked.error)}`, { fields: creditPackFieldErrors(checked.error) });
  }
  return db.$transaction(async (tx) => {
    const before = await getCreditPacks(tx);
    const after = await setCreditPacks(tx, checked.data);
    await recordAudit(tx, actor, { action: "billing.credit_packs.set", targetType: "setting", targetId: CREDIT_PACKS_KEY, before, after });
    return after;
  });
}

export async function setCreditPacks(db: Pick<Db, "appSetting">, packs: z.input<typeof creditPacksSchema>): Promise<CreditPack[]> {
  const parsed = creditPacksSchema.parse(packs);
  const value = parsed as unknown as Prisma.InputJsonValue;
  await db.appSetting.upsert({ where: { key: CREDIT_PACKS_KEY }, create: { key: CREDIT_PACKS_KEY, value }, update: { value } });
  return parsed;
}
