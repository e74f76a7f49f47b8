/**
 * The credit pack editor's rows as typed, and the list they become. Only the price is read here
 * (typed like "5" or "4.99", sent in cents, never through a float); everything else is checked by
 * the server's one schema (domain/billing/credit-packs.ts), whose refusal names each field as
 * "<row>.<field>", the keys used here.
 */
import type { CreditPack, CreditPackInput } from "@/server/domain/billing/credit-packs.ts";
import { formatPrice, parsePrice } from "./plan-form.ts";

export interface PackRow {
  /** The row's React key: stable while rows are added and removed. */
  key: number;
  id: string;
  name: string;
  credits: string;
  price: string;
  currency: string;
}

export type PackField = "id" | "name" | "credits" | "priceCents" | "currency";

export function rowOfPack(pack: CreditPack, key: number): PackRow {
  return { key, id: pack.id, name: pack.name ?? "", credits: pack.credits, price: formatPrice(pack.priceCents), currency: pack.currency };
}

export function emptyPackRow(key: number): PackRow {
  return { key, id: "", name: "", credits: "", price: "", currency: "usd" };
}

/** The key of one field's error: "2.credits". */
export const fieldKey = (index: number, field: PackField) => `${index}.${field}`;

type Parsed = { ok: true; packs: CreditPackInput[] } | { ok: false; errors: Record<string, string> };

/** The rows as the API's `packs`; a price that is not an amount is refused at its field first. */
export function packsOfRows(rows: PackRow[]): Parsed {
  const errors: Record<string, string> = {};
  const packs = rows.map((row, i): CreditPackInput => {
    const priceCents = parsePrice(row.price);
    if (priceCents === null) errors[fieldKey(i, "priceCents")] = "A price like 5 or 4.99";
    const name = row.name.trim();
    const currency = row.currency.trim().toLowerCase();
    return { id: row.id.trim(), credits: row.credits.trim(), priceCents: priceCents ?? 0, ...(currency ? { currency } : {}), ...(name ? { name } : {}) };
  });
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, packs };
}
