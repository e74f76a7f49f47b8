"use client";

import { useEffect, useState } from "react";
import { api } from "@/trpc/react.tsx";

export type CheckoutOutcome = "success" | "cancelled" | null;

/** How long after a successful checkout the page keeps refreshing the balance and plan. */
const REFRESH_FOR_MS = 30_000;

/**
 * Stripe sends the user back to `/usage?checkout=success` (or `=cancelled`). The payment is
 * applied by the webhook a moment later, so after a success the wallet, transactions and plan are
 * refetched every 2 s for a while. The query string is removed so a reload does not say it again.
 */
export function useCheckoutReturn(): { outcome: CheckoutOutcome; refreshing: boolean } {
  const [outcome, setOutcome] = useState<CheckoutOutcome>(null);
  const [refreshing, setRefreshing] = useState(false);
  const utils = api.useUtils();
  useEffect(() => {
    const url = new URL(window.location.href);
    const value = url.searchParams.get("checkout");
    if (value !== "success" && value !== "cancelled") return;
    // Read once from the address bar (not a render-time value): set after mount, then cleaned up.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setOutcome(value);
    setRefreshing(value === "success");
    url.searchParams.delete("checkout");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }, []);
  useEffect(() => {
    if (outcome !== "success") return;
    const started = Date.now();
    const timer = window.setInterval(() => {
      void utils.usage.wallet.invalidate();
      void utils.usage.transactions.invalidate();
      if (Date.now() - started > REFRESH_FOR_MS) window.clearInterval(timer);
    }, 2000);
    const stop = window.setTimeout(() => setRefreshing(false), REFRESH_FOR_MS);
    return () => {
      window.clearInterval(timer);
      window.clearTimeout(stop);
    };
  }, [outcome, utils]);
  return { outcome, refreshing };
}

export function CheckoutNotice({ outcome }: { outcome: CheckoutOutcome }) {
  if (outcome === "success") {
    return (
      <p className="alert success" role="status" data-testid="checkout-notice">
        Thank you — your payment went through. Your balance and plan update here as soon as Stripe confirms it.
      </p>
    );
  }
  if (outcome === "cancelled") {
    return (
      <p className="alert warn" role="status" data-testid="checkout-notice">
        Checkout was cancelled; nothing was charged.
      </p>
    );
  }
  return null;
}
