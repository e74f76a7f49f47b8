import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { SignOutButton } from "./sign-out-button.tsx";
import { TokensPanel } from "./tokens-panel.tsx";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requireUser("/account");
  return (
    <div className="stack">
      <div>
        <h1>Account</h1>
        <p className="lede">Who you are, and the API tokens your scripts use.</p>
      </div>
      <section className="card" aria-labelledby="you-title">
        <h2 id="you-title">You</h2>
        <dl className="facts-list">
          <div>
            <dt>E-mail</dt>
            <dd data-testid="account-email">{user.email}</dd>
          </div>
          {user.name && (
            <div>
              <dt>Name</dt>
              <dd>{user.name}</dd>
            </div>
          )}
          <div>
            <dt>Role</dt>
            <dd>{user.role}</dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{user.createdAt.toISOString().slice(0, 10)}</dd>
          </div>
        </dl>
        <SignOutButton />
      </section>
      <TokensPanel />
    </div>
  );
}
