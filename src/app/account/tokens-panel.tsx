"use client";

import { useHydrated } from "@/components/use-hydrated.ts";
import { useState } from "react";
import { fieldErrorsOf } from "@/components/field-errors.ts";
import { TextField } from "@/components/form/text-field.tsx";
import { TableHead } from "@/components/table-head.tsx";
import { api, type RouterOutputs } from "@/trpc/react.tsx";

type Token = RouterOutputs["auth"]["tokens"]["list"][number];

function describe(token: Token) {
  if (token.revokedAt) return `revoked ${token.revokedAt.toLocaleDateString()}`;
  if (token.expiresAt && token.expiresAt <= new Date()) return `expired ${token.expiresAt.toLocaleDateString()}`;
  return token.expiresAt ? `expires ${token.expiresAt.toLocaleDateString()}` : "never expires";
}

export function TokensPanel() {
  const utils = api.useUtils();
  const hydrated = useHydrated();
  const tokens = api.auth.tokens.list.useQuery();
  const [name, setName] = useState("");
  const [expiresInDays, setExpiresInDays] = useState("");
  const [copied, setCopied] = useState(false);
  const create = api.auth.tokens.create.useMutation({
    onSuccess: async (created) => {
      setName("");
      setExpiresInDays("");
      setCopied(false);
      // The list shows the new token from the mutation's answer at once. A first fetch of the list
      // still in flight (a cold start) is cancelled first: it started before the token existed and
      // would otherwise land after this and overwrite it with "No tokens yet".
      await utils.auth.tokens.list.cancel();
      const { token: _secret, ...row } = created;
      utils.auth.tokens.list.setData(undefined, (old) => [row, ...(old ?? []).filter((t) => t.id !== row.id)]);
      void utils.auth.tokens.list.invalidate();
    },
  });
  const revoke = api.auth.tokens.revoke.useMutation({ onSuccess: () => utils.auth.tokens.list.invalidate() });

  const fieldErrors = fieldErrorsOf(create.error);

  return (
    <section className="card stack" aria-labelledby="tokens-title">
      <div>
        <h2 id="tokens-title">API tokens</h2>
        <p className="field-hint">
          Scripts and the CLI send a token as <code>Authorization: Bearer …</code> (or <code>PANTHEON_TOKEN</code>). A token acts as you.
        </p>
      </div>

      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name, expiresInDays: expiresInDays ? Number(expiresInDays) : undefined });
        }}
      >
        <TextField id="token-name" label="Name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. nightly report" error={fieldErrors.name} autoComplete="off" />
        <div className="field">
          <label htmlFor="token-expiry">Expires after</label>
          <select id="token-expiry" value={expiresInDays} onChange={(e) => setExpiresInDays(e.target.value)}>
            <option value="">Never</option>
            <option value="7">7 days</option>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="365">1 year</option>
          </select>
        </div>
        <div>
          <button type="submit" className="button" disabled={create.isPending || !hydrated}>
            {create.isPending ? "Creating…" : "Create token"}
          </button>
        </div>
        {create.error && !fieldErrors.name && <p className="field-error" role="alert">{create.error.message}</p>}
      </form>

      {create.data && (
        <div className="alert success" role="status">
          <p>
            <strong>Copy your new token now.</strong> It will not be shown again.
          </p>
          <code className="secret" data-testid="new-token">
            {create.data.token}
          </code>
          <div className="row" style={{ marginTop: "0.5rem" }}>
            <button
              type="button"
              className="button secondary"
              onClick={async () => {
                await navigator.clipboard.writeText(create.data.token);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy token"}
            </button>
          </div>
        </div>
      )}

      {tokens.isLoading && <p>Loading tokens…</p>}
      {tokens.error && <p className="field-error" role="alert">Could not load tokens: {tokens.error.message}</p>}
      {tokens.data && tokens.data.length === 0 && <p className="field-hint">No tokens yet.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <table className="list">
          <TableHead columns={["Name", "Token", "Last used", "Status"]} actions />
          <tbody>
            {tokens.data.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                <td>{token.lastUsedAt ? token.lastUsedAt.toLocaleString() : "never"}</td>
                <td>{describe(token)}</td>
                <td>
                  {!token.revokedAt && (
                    <button
                      type="button"
                      className="button danger"
                      disabled={revoke.isPending}
                      aria-label={`Revoke token ${token.name}`}
                      onClick={() => revoke.mutate({ id: token.id })}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoke.error && <p className="field-error" role="alert">Could not revoke: {revoke.error.message}</p>}
    </section>
  );
}
