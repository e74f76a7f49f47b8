/**
 * Playwright's web server: the whole product (built web app + worker) on a throwaway embedded
 * PostgreSQL, whose directory is removed when Playwright stops it with SIGTERM.
 */
import fs from "node:fs";
import { env } from "../src/server/env.ts";
import { runStack } from "../scripts/lib/stack.ts";

// Stripe's stand-in on the port playwright.config.ts chose: its checkout page pays by sending
// signed events to this app's webhook, as Stripe would.
if (env.STRIPE_API_BASE && env.STRIPE_WEBHOOK_SECRET) {
  const { startFakeStripe } = await import("../src/test/fake-stripe.ts");
  await startFakeStripe({
    port: Number(new URL(env.STRIPE_API_BASE).port),
    webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    webhookUrl: `http://localhost:${env.PORT}/api/stripe/webhook`,
  });
}

await runStack({
  dev: false,
  port: env.PORT,
  afterStop: () => fs.rmSync(env.PANTHEON_DATA_DIR, { recursive: true, force: true }),
});
