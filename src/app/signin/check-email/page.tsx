import type { Metadata } from "next";
import Link from "next/link";
import { outboxEnabled } from "@/server/auth/send-sign-in-email.ts";
import { env } from "@/server/env.ts";

export const metadata: Metadata = { title: "Check your e-mail" };

export default async function CheckEmailPage(props: { searchParams: Promise<{ email?: string }> }) {
  const { email } = await props.searchParams;
  // Without an e-mail server the link never reaches an inbox: say where it is instead.
  const outbox = !env.EMAIL_SERVER && outboxEnabled();
  return (
    <div className="stack">
      <h1>Check your e-mail</h1>
      <p className="alert success" role="status">
        A sign-in link is on its way{email ? ` to ${email}` : ""}. It works once and expires in 24 hours.
      </p>
      {outbox && (
        <p className="card">
          No e-mail server is configured, so the link is not e-mailed: open the <a href="/dev/outbox">development outbox</a> and follow it there (it is also in the server
          log).
        </p>
      )}
      <p>
        Wrong address? <Link href="/signin">Try again</Link>.
      </p>
    </div>
  );
}
