/**
 * The Stripe half of the `billing` router (PRODUCT.md 10, 14): `checkout`, `portal`,
 * `creditPacks` and `invoices`, spread into billing.ts. Each acts for the signed-in user only; on a server without
 * Stripe keys checkout and portal refuse with `payments_not_configured` and invoices are empty.
 */
import { paymentsConfigured } from "../../billing/payments-config.ts";
import { getStripe } from "../../billing/stripe-client.ts";
import { env } from "../../env.ts";
import { checkoutInput, createCheckout, createPortal, listInvoices } from "../../domain/billing/checkout.ts";
import { getCreditPacks } from "../../domain/billing/credit-packs.ts";
import { protectedProcedure } from "../trpc.ts";

function appUrl(): string {
  return env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`;
}

export const billingStripeProcedures = {
  checkout: protectedProcedure
    .input(checkoutInput)
    .mutation(({ ctx, input }) => createCheckout({ db: ctx.db, stripe: getStripe(), appUrl: appUrl() }, ctx.user.id, input)),
  portal: protectedProcedure.mutation(({ ctx }) => createPortal({ db: ctx.db, stripe: getStripe(), appUrl: appUrl() }, ctx.user.id)),
  /** The credit packs on sale: `{ paymentsConfigured, packs: { id, credits, priceCents, currency }[] }`. */
  creditPacks: protectedProcedure.query(async ({ ctx }) => ({ paymentsConfigured: paymentsConfigured(), packs: await getCreditPacks(ctx.db) })),
  invoices: protectedProcedure.query(({ ctx }) => (paymentsConfigured() ? listInvoices({ db: ctx.db, stripe: getStripe() }, ctx.user.id) : [])),
};
