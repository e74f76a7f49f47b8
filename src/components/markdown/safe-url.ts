/**
 * The only links a model's answer may carry: absolute http, https and mailto URLs. Anything else
 * (javascript:, data:, vbscript:, relative paths that would act on this app, protocol-relative
 * URLs) gives null, and the link renders as plain text.
 */
const allowed = new Set(["http:", "https:", "mailto:"]);

export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  const trimmed = url.trim();
  // A URL without a scheme of its own would resolve against this page.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return null;
  try {
    const parsed = new URL(trimmed);
    return allowed.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}
