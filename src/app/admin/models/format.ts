/**
 * How the console and the agent editor show models: context windows ("128K"), prices in USD per
 * million tokens, health times. Browser-safe (no server imports).
 */

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 6 });
const count = new Intl.NumberFormat("en-US");

/** "$2.00", "$0.15", "$0.000125"; the value is a decimal string of USD. */
export function formatUsd(value: string): string {
  const n = Number(value);
  return Number.isFinite(n) ? usd.format(n) : `$${value}`;
}

/** "128K" for 128 000 (and 131 072), "8K" for 8 192, exact below 1 000. */
export function formatContext(tokens: number): string {
  if (tokens >= 1_000_000) return `${Number((tokens / 1_000_000).toFixed(1))}M`;
  if (tokens >= 1000) return `${Math.round(tokens / 1000)}K`;
  return String(tokens);
}

export function formatTokens(tokens: number): string {
  return count.format(tokens);
}

/** The short price line of a model: "$2.00 in · $8.00 out per M tokens". */
export function priceLine(price: { inputPerMTokUsd: string; outputPerMTokUsd: string } | null): string {
  return price ? `${formatUsd(price.inputPerMTokUsd)} in · ${formatUsd(price.outputPerMTokUsd)} out per M tokens` : "no price";
}

/** "just now", "5 min ago", "3 h ago", or the date. */
export function ago(date: Date, now = Date.now()): string {
  const s = Math.round((now - date.getTime()) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return date.toLocaleDateString();
}

/**
 * An alias for a provider's model id, as the import form prefills it: lowercased, each run of
 * characters an alias cannot hold turned into '-', trimmed to 64 and starting with a letter or digit.
 */
export function suggestAlias(providerModel: string): string {
  const alias = providerModel
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 64)
    .replace(/[-.]+$/, "");
  return alias || "model";
}
