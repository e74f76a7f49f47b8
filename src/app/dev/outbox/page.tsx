import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { outboxEnabled } from "@/server/auth/send-sign-in-email.ts";
import { getDb } from "@/server/db.ts";

export const metadata: Metadata = { title: "Development outbox" };

/** Sign-in e-mails that were not sent because no EMAIL_SERVER is set. Off in production by default. */
export default async function OutboxPage() {
  if (!outboxEnabled()) notFound();
  const messages = await getDb().authOutbox.findMany({ orderBy: { createdAt: "desc" }, take: 20 });
  return (
    <div className="stack">
      <div>
        <h1>Development outbox</h1>
        <p className="lede">
          Sign-in e-mails land here because no e-mail server is configured (<code>EMAIL_SERVER</code>). Newest first.
        </p>
      </div>
      {messages.length === 0 ? (
        <p>No messages yet.</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">To</th>
              <th scope="col">Sent</th>
              <th scope="col">Link</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <tr key={m.id}>
                <td>{m.recipient}</td>
                <td>{m.createdAt.toLocaleString()}</td>
                <td>
                  <a href={m.url}>Sign in as {m.recipient}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
