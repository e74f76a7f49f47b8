/**
 * Runs before every page: a Content Security Policy with a fresh nonce (Next.js puts it on its own
 * scripts), and the sign-in gate for account pages (a cheap cookie check here; the page verifies
 * the session itself).
 */
import { NextResponse, type NextRequest } from "next/server";

const SIGNED_IN_PAGES = ["/account", "/agents", "/rooms", "/usage"];
const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

function contentSecurityPolicy(nonce: string): string {
  const dev = process.env.NODE_ENV !== "production";
  return [
    "default-src 'self'",
    // 'strict-dynamic' lets Next's nonced bootstrap load its chunks; eval only for next dev's refresh.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;

  if (SIGNED_IN_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`))) {
    const hasSession = SESSION_COOKIES.some((name) => request.cookies.has(name));
    if (!hasSession) {
      // Behind a proxy, request.url carries the internal host; NEXTAUTH_URL is the public one.
      const signIn = new URL("/signin", process.env.NEXTAUTH_URL || request.url);
      signIn.searchParams.set("callbackUrl", pathname + search);
      return NextResponse.redirect(signIn);
    }
  }

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy(nonce);
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  // Pages only: not the API, static assets or Next's internals.
  matcher: [{ source: "/((?!api|_next/static|_next/image|favicon.ico).*)", missing: [{ type: "header", key: "next-router-prefetch" }] }],
};
