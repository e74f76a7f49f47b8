import type { RouterOutputs } from "@/trpc/react.tsx";
import { formatDay, formatMoney } from "./money.ts";

type Invoice = RouterOutputs["billing"]["invoices"][number];

const statusNames: Record<string, string> = { paid: "Paid", open: "Due", draft: "Draft", void: "Void", uncollectible: "Uncollectible" };

/** The user's recent Stripe invoices, each with a link to Stripe's own page for it (receipt, PDF). */
export function InvoicesTable(props: { invoices: Invoice[] | undefined; error: string | null; loading: boolean }) {
  if (props.error) {
    return (
      <p className="field-error" role="alert">
        Could not load your invoices: {props.error}
      </p>
    );
  }
  if (props.loading) return <p>Loading invoices…</p>;
  if (!props.invoices?.length) return <p className="muted">No invoices yet.</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="invoices-title">
      <table className="list" data-testid="invoices">
        <caption className="visually-hidden">Invoices, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Number</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">
              <span className="visually-hidden">Link</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.invoices.map((invoice) => (
            <tr key={invoice.id}>
              <td data-label="Date">{formatDay(invoice.created)}</td>
              <td data-label="Number">{invoice.number ?? "—"}</td>
              <td data-label="Status">{statusNames[invoice.status ?? ""] ?? invoice.status ?? "—"}</td>
              <td data-label="Amount" className="num">
                {formatMoney(invoice.amount, invoice.currency)}
              </td>
              <td>
                {invoice.hostedInvoiceUrl && (
                  <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noreferrer noopener">
                    View<span className="visually-hidden"> invoice {invoice.number ?? ""} (opens Stripe)</span>
                  </a>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
