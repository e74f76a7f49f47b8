/**
 * Which browser origins may call the API. The app's own origin always may; others only when listed
 * in CORS_ORIGINS. Cookie-authenticated mutations from any other origin are refused (CSRF).
 */
import { env } from "../env.ts";

const ALLOWED_HEADERS = "authorization, content-type, trpc-accept, x-trpc-source";
const ALLOWED_METHODS = "GET, POST, OPTIONS";

/** The origin the app is served from: NEXTAUTH_URL when set, else what the request says. */
export function appOrigin(headers: Headers): string | null {
  if (env.NEXTAUTH_URL) return new URL(env.NEXTAUTH_URL).origin;
  const host = headers.get("x-forwarded-host") ?? headers.get("host");
  if (!host) return null;
  const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? "http";
  return `${proto}://${host}`;
}

export function isListedOrigin(origin: string | null): origin is string {
  return !!origin && env.CORS_ORIGINS.includes(origin);
}

/** For a cookie-authenticated mutation: the browser must say where it comes from, and be trusted. */
export function isTrustedOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  if (!origin) return false;
  return origin === appOrigin(headers) || isListedOrigin(origin);
}

/** Headers to add to a response for a listed cross-origin caller; none for anyone else. */
export function corsHeaders(origin: string | null): Record<string, string> {
  if (!isListedOrigin(origin)) return {};
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    Vary: "Origin",
  };
}

export function preflightResponse(request: Request): Response {
  const origin = request.headers.get("origin");
  const headers = corsHeaders(origin);
  if (Object.keys(headers).length) {
    Object.assign(headers, {
      "Access-Control-Allow-Methods": ALLOWED_METHODS,
      "Access-Control-Allow-Headers": ALLOWED_HEADERS,
      "Access-Control-Max-Age": "600",
    });
  }
  return new Response(null, { status: 204, headers: { ...headers, Vary: "Origin" } });
}
