/**
 * Credit amounts as people read them, from the exact decimal strings the API sends: digits grouped,
 * at least two decimals and at most the six the ledger keeps. Works on the text, so nothing is
 * rounded through a float.
 */
export function formatCredits(amount: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return amount;
  const [, sign, whole, fraction = ""] = match;
  const grouped = whole!.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const decimals = fraction.slice(0, 6).replace(/0+$/, "").padEnd(2, "0");
  const isZero = /^0*$/.test(whole!) && /^0*$/.test(fraction);
  return `${isZero ? "" : sign}${grouped}.${decimals}`;
}

/** "1.50 credits", "1.00 credit". */
export function creditsText(amount: string): string {
  const shown = formatCredits(amount);
  return `${shown} ${shown === "1.00" ? "credit" : "credits"}`;
}
