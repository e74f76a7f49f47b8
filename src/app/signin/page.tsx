import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { githubEnabled } from "@/server/auth/options.ts";
import { safeCallbackPath } from "@/server/auth/safe-callback.ts";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { outboxEnabled } from "@/server/auth/send-sign-in-email.ts";
import { env } from "@/server/env.ts";
import { SignInForm } from "./sign-in-form.tsx";

export const metadata: Metadata = { title: "Sign in" };

const errorMessages: Record<string, string> = {
  Verification: "That sign-in link has expired or was already used. Ask for a new one.",
  AccountSuspended: "This account is suspended. Contact the workspace owner.",
  AccessDenied: "Sign-in was refused for this account.",
  RateLimited: "Too many sign-in attempts. Wait a few minutes and try again.",
  EmailSignin: "The sign-in e-mail could not be sent. Try again in a moment.",
  OAuthAccountNotLinked: "This e-mail already signs in another way. Use the e-mail link instead.",
};

export default async function SignInPage(props: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const { callbackUrl, error } = await props.searchParams;
  // With no page to return to, a new user lands on their rooms (home), not on Account.
  const target = safeCallbackPath(callbackUrl, "/");
  if (await getCurrentUser()) redirect(target);

  return (
    <div className="stack">
      <div>
        <h1>Sign in</h1>
        <p className="lede">We e-mail you a link that signs you in. No password needed.</p>
      </div>
      {error && (
        <p className="alert error" role="alert">
          {errorMessages[error] ?? "Sign-in failed. Try again."}
        </p>
      )}
      <SignInForm callbackUrl={target} github={githubEnabled()} />
      {!env.EMAIL_SERVER && outboxEnabled() && (
        <p className="field-hint">
          No e-mail server is configured: sign-in links appear in the server log and on the <a href="/dev/outbox">development outbox</a>.
        </p>
      )}
    </div>
  );
}
