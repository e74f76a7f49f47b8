/** An amount in the smallest unit of `currency` (cents), as people read prices: "$18.00". */
export function formatMoney(amountCents: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).format(amountCents / 100);
  } catch {
    return `${(amountCents / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

/** A date without the time, in the reader's locale ("Dec 2, 2026"). */
export function formatDay(iso: string | Date): string {
  return new Date(iso).toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
}
