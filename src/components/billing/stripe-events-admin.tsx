"use client";

import { api } from "@/trpc/react.tsx";

const statusText: Record<string, string> = { received: "Waiting", applied: "Applied", ignored: "Ignored", unmatched: "No such user", failed: "Failed" };

/**
 * For the admin Jobs page: the latest Stripe webhook events and what became of each. An event for
 * a customer no user has (`unmatched`) or one that failed says why, so no payment goes unseen.
 */
export function StripeEventsAdmin() {
  const events = api.admin.stripe.events.useQuery({ limit: 25 }, { refetchInterval: 10_000 });
  if (events.error) {
    return (
      <p className="alert error" role="alert">
        Could not load the Stripe events: {events.error.message}
      </p>
    );
  }
  if (!events.data) return null;
  const { counts, items } = events.data;
  return (
    <section className="card stack" aria-labelledby="stripe-events-title" data-testid="stripe-events">
      <div>
        <h2 id="stripe-events-title">Stripe events</h2>
        <p className="field-hint">
          Webhook events as received, newest first: {counts.applied} applied, {counts.received} waiting, {counts.unmatched} for no known user, {counts.failed} failed, {counts.ignored} ignored.
        </p>
      </div>
      {items.length === 0 ? (
        <p className="muted">No Stripe event has arrived.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="stripe-events-title">
          <table className="list compact">
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">User or customer</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} data-status={e.status}>
                  <td data-label="Received">{new Date(e.receivedAt).toLocaleString()}</td>
                  <td data-label="Type">
                    <code>{e.type}</code>
                  </td>
                  <td data-label="Status">{statusText[e.status] ?? e.status}</td>
                  <td data-label="User or customer">{e.userEmail ?? e.customerId ?? "—"}</td>
                  <td data-label="Why">{e.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
