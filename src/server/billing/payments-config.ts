import { env } from "../env.ts";

/**
 * Whether this server takes payments through Stripe (PRODUCT.md 14). Without keys, plans are still
 * shown and assigned by owners, and the scheduled job grants each period instead of invoice.paid.
 */
export function paymentsConfigured(): boolean {
  return !!env.STRIPE_SECRET_KEY && !!env.STRIPE_WEBHOOK_SECRET;
}
