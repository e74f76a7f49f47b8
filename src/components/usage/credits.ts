import { Decimal } from "decimal.js";

/**
 * Credit amounts as people read them, from the exact decimal strings the API sends. Lists and
 * balances show two decimals (PRODUCT.md 11); a non-zero amount that would round to 0.00 shows as
 * "< 0.01" (with its sign), so a cheap call never looks free. The exact value, as the ledger keeps
 * it, is `formatCreditsExact`: for the turn-details drawer and tooltips (title attributes).
 * Rounding is decimal (decimal.js), never through a float.
 */
export function formatCredits(amount: string): string {
  const value = parse(amount);
  if (!value) return amount;
  if (value.isZero()) return "0.00";
  const rounded = value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  if (rounded.isZero()) return `${value.isNegative() ? "-" : ""}< 0.01`;
  return group(rounded.toFixed(2));
}

/** Every decimal the ledger keeps (at most six), at least two: "0.004385", "99.746137", "2.50". */
export function formatCreditsExact(amount: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return amount;
  const [, sign, whole, fraction = ""] = match;
  const decimals = fraction.slice(0, 6).replace(/0+$/, "").padEnd(2, "0");
  const isZero = /^0*$/.test(whole!) && /^0*$/.test(fraction);
  return group(`${isZero ? "" : sign}${whole!.replace(/^0+(?=\d)/, "")}.${decimals}`);
}

/** "1.50 credits", "1.00 credit", "< 0.01 credits". */
export function creditsText(amount: string): string {
  const shown = formatCredits(amount);
  return `${shown} ${shown === "1.00" ? "credit" : "credits"}`;
}

/** The exact amount with its unit, for a tooltip next to `creditsText`. */
export function creditsExactText(amount: string): string {
  const shown = formatCreditsExact(amount);
  return `${shown} ${shown === "1.00" ? "credit" : "credits"}`;
}

function parse(amount: string): Decimal | null {
  if (!/^-?\d+(?:\.\d+)?$/.test(amount.trim())) return null;
  return new Decimal(amount.trim());
}

/** Thousands separators on the whole part of a fixed-point string. */
function group(fixed: string): string {
  const [whole, fraction] = fixed.split(".");
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${fraction}`;
}
