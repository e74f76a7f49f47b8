import NextAuth from "next-auth";
import { authOptions } from "@/server/auth/options.ts";
import { getDb } from "@/server/db.ts";
import { hitRateLimit } from "@/server/domain/auth/rate-limit.ts";
import { env } from "@/server/env.ts";
import { logger } from "@/server/logger.ts";

export const dynamic = "force-dynamic";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

/**
 * The client's address: the entry TRUST_PROXY_HOPS from the right of X-Forwarded-For (each trusted
 * proxy appends one). Entries further left are whatever the client sent, so they are never used.
 */
function clientIp(req: Request): string {
  const hops = (req.headers.get("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  return hops.at(-Math.max(1, env.TRUST_PROXY_HOPS)) ?? "unknown";
}

/**
 * Magic-link requests per client IP (the per-address limit is in the signIn callback). The answer
 * has the shape next-auth's client expects, with error=RateLimited, so the sign-in page can say so.
 */
async function limitByIp(req: Request): Promise<Response | null> {
  try {
    const result = await hitRateLimit(getDb(), `signin:ip:${clientIp(req)}`, env.SIGNIN_LIMIT_PER_IP, env.SIGNIN_LIMIT_WINDOW_SECONDS);
    if (result.allowed) return null;
    const url = new URL("/signin", req.url);
    url.searchParams.set("error", "RateLimited");
    url.searchParams.set("retryAfter", String(result.retryAfterSeconds));
    return Response.json({ url: url.toString() }, { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds) } });
  } catch (err) {
    logger.error({ err }, "sign-in rate limit unavailable");
    const url = new URL("/signin", req.url);
    url.searchParams.set("error", "EmailSignin");
    return Response.json({ url: url.toString() }, { status: 503 });
  }
}

function handle(req: Request, ctx: RouteContext) {
  return NextAuth(authOptions())(req, ctx);
}

export async function GET(req: Request, ctx: RouteContext) {
  return handle(req, ctx);
}

export async function POST(req: Request, ctx: RouteContext) {
  const { nextauth } = await ctx.params;
  // next-auth routes on the first two segments only, so signin/email/anything is the same request.
  if (nextauth[0] === "signin" && nextauth[1] === "email") {
    const refused = await limitByIp(req);
    if (refused) return refused;
  }
  return handle(req, ctx);
}
