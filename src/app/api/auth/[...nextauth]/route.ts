import NextAuth from "next-auth";
import { authOptions } from "@/server/auth/options.ts";
import { getDb } from "@/server/db.ts";
import { hitRateLimit } from "@/server/domain/auth/rate-limit.ts";
import { normalizeEmail } from "@/server/domain/auth/users.ts";
import { env } from "@/server/env.ts";

export const dynamic = "force-dynamic";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

function clientIp(req: Request): string {
  return req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip") || "unknown";
}

/**
 * Magic-link requests are limited per e-mail and per IP (counters in PostgreSQL). The answer has the
 * shape next-auth's client expects, with error=RateLimited, so the sign-in page can say so.
 */
async function limitEmailSignIn(req: Request): Promise<Response | null> {
  const form = await req.clone().formData().catch(() => null);
  const email = form?.get("email");
  const db = getDb();
  const window = env.SIGNIN_LIMIT_WINDOW_SECONDS;
  const checks = [hitRateLimit(db, `signin:ip:${clientIp(req)}`, env.SIGNIN_LIMIT_PER_IP, window)];
  if (typeof email === "string" && email) {
    checks.push(hitRateLimit(db, `signin:email:${normalizeEmail(email)}`, env.SIGNIN_LIMIT_PER_EMAIL, window));
  }
  const refused = (await Promise.all(checks)).find((r) => !r.allowed);
  if (!refused) return null;
  const url = new URL("/signin", req.url);
  url.searchParams.set("error", "RateLimited");
  url.searchParams.set("retryAfter", String(refused.retryAfterSeconds));
  return Response.json({ url: url.toString() }, { status: 429, headers: { "Retry-After": String(refused.retryAfterSeconds) } });
}

async function handle(req: Request, ctx: RouteContext) {
  const handler = NextAuth(authOptions());
  return handler(req, ctx);
}

export async function GET(req: Request, ctx: RouteContext) {
  return handle(req, ctx);
}

export async function POST(req: Request, ctx: RouteContext) {
  const { nextauth } = await ctx.params;
  if (nextauth.join("/") === "signin/email") {
    const refused = await limitEmailSignIn(req);
    if (refused) return refused;
  }
  return handle(req, ctx);
}
