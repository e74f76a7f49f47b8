import { getDb } from "@/server/db.ts";
import { env } from "@/server/env.ts";
import { getWebBoss } from "@/server/jobs/boss.ts";
import { handleStripeWebhook } from "@/server/billing/webhook.ts";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Stripe's webhook: verified, stored and queued, answered at once (see webhook.ts). */
export function POST(req: Request) {
  return handleStripeWebhook({ db: getDb, boss: getWebBoss, secret: env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET ? env.STRIPE_WEBHOOK_SECRET : null }, req);
}
