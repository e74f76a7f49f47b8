"use client";

import { useHydrated } from "@/components/use-hydrated.ts";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";

const clientErrors: Record<string, string> = {
  RateLimited: "Too many sign-in attempts. Wait a few minutes and try again.",
  EmailSignin: "The sign-in e-mail could not be sent. Try again in a moment.",
  AccountSuspended: "This account is suspended. Contact the workspace owner.",
};

export function SignInForm(props: { callbackUrl: string; github: boolean }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) {
      setError("Enter an e-mail address like you@example.com.");
      return;
    }
    setPending(true);
    setError(null);
    try {
      const result = await signIn("email", { email: email.trim(), callbackUrl: props.callbackUrl, redirect: false });
      if (!result || result.error) {
        setError(clientErrors[result?.error ?? ""] ?? "Sign-in failed. Try again.");
        return;
      }
      router.push(`/signin/check-email?email=${encodeURIComponent(email.trim())}`);
    } catch {
      setError("Pantheon could not be reached. Check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <form className="form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="email">E-mail</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={!!error}
            aria-describedby={error ? "email-error" : undefined}
          />
          {error && (
            <p id="email-error" className="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <div>
          <button type="submit" className="button" disabled={pending || !hydrated}>
            {pending ? "Sending…" : "E-mail me a sign-in link"}
          </button>
        </div>
      </form>
      {props.github && (
        <>
          <p className="divider">or</p>
          <div>
            <button type="button" className="button secondary" onClick={() => signIn("github", { callbackUrl: props.callbackUrl })}>
              Continue with GitHub
            </button>
          </div>
        </>
      )}
    </>
  );
}
