import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Check your e-mail" };

export default async function CheckEmailPage(props: { searchParams: Promise<{ email?: string }> }) {
  const { email } = await props.searchParams;
  return (
    <div className="stack">
      <h1>Check your e-mail</h1>
      <p className="alert success" role="status">
        A sign-in link is on its way{email ? ` to ${email}` : ""}. It works once and expires in 24 hours.
      </p>
      <p>
        Wrong address? <Link href="/signin">Try again</Link>.
      </p>
    </div>
  );
}
