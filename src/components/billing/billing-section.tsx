"use client";

import { useEffect, useState } from "react";
import { creditsText, formatCredits } from "@/components/usage/credits.ts";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import styles from "./billing.module.css";
import { CheckoutNotice, useCheckoutReturn } from "./checkout-notice.tsx";
import { InvoicesTable } from "./invoices-table.tsx";
import { formatDay, formatMoney } from "./money.ts";

type Subscription = RouterOutputs["billing"]["subscription"];
type Plan = RouterOutputs["billing"]["plans"][number];

const NOT_CONFIGURED = "Payments are not configured on this server.";

/**
 * The billing half of Usage & billing (PRODUCT.md 14): the current plan and its period, a past-due
 * warning, plans to subscribe to (Stripe Checkout) or manage (the Stripe portal), credit packs
 * (#buy-credits, where the low-balance banner links) and invoices. Payments only happen on Stripe's
 * pages; what they change arrives through the webhook, so after a return the page refreshes until
 * it shows.
 */
export function BillingSection() {
  const { outcome: checkoutReturn, refreshing } = useCheckoutReturn();
  const refetchInterval = refreshing ? 2000 : false;
  const subscription = api.billing.subscription.useQuery(undefined, { refetchInterval });
  const plans = api.billing.plans.useQuery();
  const packs = api.billing.creditPacks.useQuery();
  const invoices = api.billing.invoices.useQuery(undefined, { enabled: !!subscription.data?.paymentsConfigured, refetchInterval, retry: false });
  const [redirectError, setRedirectError] = useState<string | null>(null);
  const go = {
    onSuccess: (data: { url: string }) => window.location.assign(data.url),
    onError: (error: { message: string }) => setRedirectError(error.message),
  };
  const checkout = api.billing.checkout.useMutation(go);
  const portal = api.billing.portal.useMutation(go);
  const busy = checkout.isPending || portal.isPending || checkout.isSuccess || portal.isSuccess;
  const configured = subscription.data?.paymentsConfigured ?? false;
  const packsLoaded = !!packs.data && !!subscription.data;
  useEffect(() => {
    // Arriving from "Buy credits" (the low-balance banner): the sections above load first and push
    // the packs down, so go to them (and move focus there) once they are in place.
    if (!packsLoaded || window.location.hash !== "#buy-credits") return;
    const target = document.getElementById("buy-credits");
    target?.scrollIntoView({ block: "start" });
    target?.focus({ preventScroll: true });
  }, [packsLoaded]);

  return (
    <>
      <CheckoutNotice outcome={checkoutReturn} />
      {redirectError && (
        <p className="alert error" role="alert">
          {redirectError}
        </p>
      )}
      <CurrentPlan subscription={subscription.data} error={subscription.error?.message ?? null} onManage={() => portal.mutate()} busy={busy} />

      <section className="stack" aria-labelledby="plans-title" id="plans">
        <h2 id="plans-title" className="section-title">
          Change plan
        </h2>
        {!configured && subscription.data && <p className="muted">{NOT_CONFIGURED} An administrator can assign a plan to you.</p>}
        {plans.error && (
          <p className="field-error" role="alert">
            Could not load the plans: {plans.error.message}
          </p>
        )}
        {plans.data && subscription.data && (
          <ul className={styles.plans} data-testid="plans">
            {plans.data.map((plan) => (
              <PlanCard
                key={plan.id}
                plan={plan}
                subscription={subscription.data}
                busy={busy}
                onSubscribe={() => {
                  setRedirectError(null);
                  checkout.mutate({ planId: plan.id });
                }}
                onManage={() => portal.mutate()}
              />
            ))}
          </ul>
        )}
      </section>

      <section className="stack" aria-labelledby="buy-credits-title" id="buy-credits" tabIndex={-1}>
        <h2 id="buy-credits-title" className="section-title">
          Buy credits
        </h2>
        <p className="muted">Credits you buy are added to your balance once the payment goes through, and do not expire.</p>
        {!configured && subscription.data && <p className="muted">{NOT_CONFIGURED}</p>}
        {packs.data && (
          <ul className={styles.packs} data-testid="credit-packs">
            {packs.data.packs.map((pack) => (
              <li key={pack.id} className={`card ${styles.pack}`}>
                {pack.name && <span className="muted">{pack.name}</span>}
                <strong>{creditsText(pack.credits)}</strong>
                <span>{formatMoney(pack.priceCents, pack.currency)}</span>
                {packs.data.paymentsConfigured && (
                  <button
                    type="button"
                    className="button small"
                    disabled={busy}
                    aria-label={`Buy ${creditsText(pack.credits)} for ${formatMoney(pack.priceCents, pack.currency)}`}
                    onClick={() => {
                      setRedirectError(null);
                      checkout.mutate({ packId: pack.id });
                    }}
                  >
                    Buy
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      {configured && (
        <section className="stack" aria-labelledby="invoices-title">
          <h2 id="invoices-title" className="section-title">
            Invoices
          </h2>
          <InvoicesTable invoices={invoices.data} error={invoices.error?.message ?? null} loading={invoices.isLoading} />
        </section>
      )}
    </>
  );
}

function CurrentPlan(props: { subscription: Subscription | undefined; error: string | null; onManage: () => void; busy: boolean }) {
  const s = props.subscription;
  return (
    <section className="card" aria-labelledby="plan-title" data-testid="current-plan">
      <h2 id="plan-title">Your plan</h2>
      {props.error && (
        <p className="field-error" role="alert">
          Could not load your plan: {props.error}
        </p>
      )}
      {!s && !props.error && <p>Loading your plan…</p>}
      {s && (
        <>
          {s.status === "past_due" && (
            <p className="alert warn" role="alert" data-testid="past-due">
              <strong>Your last payment failed.</strong> You keep the {s.plan.name} plan while the payment is retried
              {s.currentPeriodEnd ? ` (this period ends ${formatDay(s.currentPeriodEnd)})` : ""}. Update your payment method in{" "}
              {s.paymentsConfigured ? "Manage subscription" : "your billing settings"} to keep it.
            </p>
          )}
          <div className={styles.planHead}>
            <strong data-testid="plan-name">{s.plan.name}</strong>
            {s.source === "manual" && <span className="badge">Assigned by an administrator</span>}
            {s.status === "past_due" && <span className="badge pending">Past due</span>}
            {s.cancelAtPeriodEnd && <span className="badge pending">Ends with this period</span>}
          </div>
          <dl className="stat-grid">
            <div>
              <dt>Credits each month</dt>
              <dd>{formatCredits(s.plan.monthlyCredits)}</dd>
            </div>
            <div>
              <dt>Price</dt>
              <dd>{s.plan.priceCents > 0 ? `${formatMoney(s.plan.priceCents, s.plan.currency)} / month` : "Free"}</dd>
            </div>
            {s.currentPeriodStart && s.currentPeriodEnd && (
              <div>
                <dt>Current period</dt>
                <dd>
                  {formatDay(s.currentPeriodStart)} – {formatDay(s.currentPeriodEnd)}
                </dd>
              </div>
            )}
          </dl>
          <p className="field-hint">
            {s.plan.allowedModels.length === 0 ? "Every model is included." : `Models included: ${s.plan.allowedModels.join(", ")}.`}
            {s.cancelAtPeriodEnd && s.currentPeriodEnd ? ` Your subscription ends on ${formatDay(s.currentPeriodEnd)}; you then go back to the free plan.` : ""}
          </p>
          {s.source === "stripe" && s.paymentsConfigured && (
            <button type="button" className="button secondary" onClick={props.onManage} disabled={props.busy}>
              Manage subscription
            </button>
          )}
        </>
      )}
    </section>
  );
}

function PlanCard(props: { plan: Plan; subscription: Subscription; busy: boolean; onSubscribe: () => void; onManage: () => void }) {
  const { plan, subscription } = props;
  const current = subscription.plan.id === plan.id;
  const subscribed = subscription.source === "stripe";
  const headingId = `plan-${plan.key}`;
  let action: React.ReactNode = null;
  if (current) action = <span className="badge">Current plan</span>;
  else if (!subscription.paymentsConfigured) action = null;
  else if (subscribed)
    action = (
      <button type="button" className="button small secondary" onClick={props.onManage} disabled={props.busy} aria-describedby={headingId}>
        Change in Manage subscription
      </button>
    );
  else if (plan.purchasable)
    action = (
      <button type="button" className="button small" onClick={props.onSubscribe} disabled={props.busy} aria-describedby={headingId}>
        Subscribe
      </button>
    );
  else if (!plan.isDefault) action = <span className="muted">Assigned by an administrator</span>;

  return (
    <li className={`card ${styles.plan}`} data-current={current} data-testid={`plan-${plan.key}`} aria-labelledby={headingId}>
      <h3 id={headingId}>{plan.name}</h3>
      <p className={styles.price}>
        {plan.priceCents > 0 ? formatMoney(plan.priceCents, plan.currency) : "Free"}
        {plan.priceCents > 0 && <small> / month</small>}
      </p>
      <ul className={styles.facts}>
        <li>{creditsText(plan.monthlyCredits)} each month</li>
        <li>{plan.allowedModels.length === 0 ? "Every model" : `Models: ${plan.allowedModels.join(", ")}`}</li>
        {plan.rateLimitPerMinute !== null && <li>{plan.rateLimitPerMinute} turns a minute</li>}
      </ul>
      <div className={styles.actions}>{action}</div>
    </li>
  );
}
