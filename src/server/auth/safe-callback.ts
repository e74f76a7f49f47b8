/**
 * Where to send someone after sign-in: only a path on this site. Anything the URL parser would
 * resolve to another origin (`//evil.example`, `/\\evil.example`, `https://…`) falls back.
 */
export function safeCallbackPath(value: string | undefined, fallback = "/account"): string {
  if (!value || !value.startsWith("/")) return fallback;
  const base = "http://pantheon.invalid";
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  return url.origin === base ? url.pathname + url.search + url.hash : fallback;
}
