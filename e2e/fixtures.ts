/**
 * Playwright fixtures. `signedIn` creates a user and a session straight in the e2e database (no
 * e-mail round trip; the account spec covers that), puts the session cookie in the browser, and
 * removes the user afterwards.
 */
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test as base, expect } from "@playwright/test";
import pg from "pg";

function e2eDatabaseUrl(): string {
  const dir = process.env.PANTHEON_E2E_DATA_DIR!;
  const conn = JSON.parse(fs.readFileSync(path.join(dir, "postgres.json"), "utf8")) as { port: number; user: string; password: string; database: string };
  return `postgresql://${conn.user}:${encodeURIComponent(conn.password)}@127.0.0.1:${conn.port}/${conn.database}`;
}

/**
 * Removes a test's user and everything of theirs. Users' content is protected by RESTRICT foreign
 * keys: remove it first, newest tables first. The ledger, tool calls, transactions, files and
 * wallet reference the user with RESTRICT (a wallet's reservations cascade with it); turns too
 * (their steps, messages and events cascade); sign-in sessions cascade with the user. One
 * transaction that first locks the user: the worker may still be finishing the test's last turn or
 * summary, and a wallet or ledger row it writes meanwhile must wait for this cleanup (and then
 * fail), not slip in between two of its deletes. A deadlock with such a write is possible too: then
 * the cleanup runs again. `query` must run every statement on one connection (a transaction).
 */
export async function removeUser(query: (text: string, params?: unknown[]) => Promise<unknown>, id: string): Promise<void> {
  const tables = ["llm_call_events", "tool_call_events", "credit_transactions", "wallet_reservations", "credit_wallets", "files", "turns", "sessions", "rooms", "agents", "subscriptions", "users"];
  for (let attempt = 1; ; attempt++) {
    try {
      await query("BEGIN");
      await query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [id]);
      for (const table of tables) {
        await query(`DELETE FROM ${table} WHERE ${table === "users" ? "id" : "user_id"} = $1`, [id]);
      }
      await query("COMMIT");
      return;
    } catch (error) {
      await query("ROLLBACK");
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The current test's expected console errors (tests run one at a time: workers: 1). */
const allowedConsoleErrors: RegExp[] = [];

/**
 * The one console error allowed everywhere: Chromium logs every API answer that is not 2xx as
 * "Failed to load resource", and the API answers refused input with a 4xx by design (an AppError
 * code the page shows at the field: a taken @key, a rate limit, a missing room, an upload whose
 * content is refused). That line is the browser's network log, not an error in the page. A 5xx, or a 4xx anywhere but the API, still fails.
 */
const apiRefusal = /^Failed to load resource: the server responded with a status of 4\d\d .*\(https?:\/\/[^/]+\/api\//;

/** The `sql` fixture: a query on the e2e database, answering its rows. */
export type Sql = <T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

export const test = base.extend<{
  /**
   * Console errors a test expects (a deliberate 404, an API refusal it provokes): each pattern
   * lets matching console errors through for this test only. Every other console error, and any
   * uncaught exception, fails the test (see `page` below).
   */
  expectConsoleErrors: (...patterns: RegExp[]) => void;
  signedIn: { id: string; email: string };
  /** Reads the e2e database directly (to compare what a page shows with the rows behind it). */
  sql: Sql;
  /** Changes a product setting (app_settings) for this test only; the old value is put back after it. Tests run one at a time. */
  appSetting: (key: string, value: unknown) => Promise<void>;
  /**
   * Points the built-in OpenRouter provider (disabled, with a priced `llama` alias) at an
   * OpenAI-compatible server (a fake one the spec started) for this test only, so that agents on
   * `llama` answer from it; the provider is put back as it was after the test.
   */
  openRouterAt: (baseURL: string) => Promise<void>;
}>({
  expectConsoleErrors: [
    async ({}, use) => {
      await use((...patterns) => allowedConsoleErrors.push(...patterns));
    },
    { box: true },
  ],
  // No console error on any page: a React error, a failed asset, a hydration mismatch or an
  // uncaught exception fails the test that met it, on every spec. Nothing is allowed globally.
  page: async ({ page }, use) => {
    allowedConsoleErrors.length = 0;
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const text = `${message.text()} (${message.location().url})`;
      if (apiRefusal.test(text) || allowedConsoleErrors.some((pattern) => pattern.test(text))) return;
      errors.push(text);
    });
    page.on("pageerror", (error) => errors.push(`Uncaught: ${error.message}`));
    await use(page);
    expect(errors, "console errors on the page").toEqual([]);
  },
  appSetting: async ({}, use) => {
    const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
    await client.connect();
    const saved = new Map<string, unknown>();
    try {
      await use(async (key, value) => {
        if (!saved.has(key)) {
          const { rows } = await client.query<{ value: unknown }>("SELECT value FROM app_settings WHERE key = $1", [key]);
          saved.set(key, rows[0] ? rows[0].value : undefined);
        }
        await client.query("INSERT INTO app_settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()", [key, JSON.stringify(value)]);
      });
    } finally {
      for (const [key, value] of saved) {
        if (value === undefined) await client.query("DELETE FROM app_settings WHERE key = $1", [key]);
        else await client.query("UPDATE app_settings SET value = $2::jsonb WHERE key = $1", [key, JSON.stringify(value)]);
      }
      await client.end();
    }
  },
  openRouterAt: async ({ sql }, use) => {
    let saved: { base_url: string; enabled: boolean; api_key_env: string | null } | undefined;
    await use(async (baseURL) => {
      saved ??= (await sql<NonNullable<typeof saved>>("SELECT base_url, enabled, api_key_env FROM llm_providers WHERE key = 'openrouter'"))[0];
      // The key is read from an environment variable the e2e server is known to have (the fake
      // servers accept any key), so no key has to be sealed with the server's encryption key here.
      await sql("UPDATE llm_providers SET base_url = $1, enabled = true, api_key_env = 'PANTHEON_E2E_PORT', updated_at = now() WHERE key = 'openrouter'", [baseURL]);
    });
    if (saved) {
      await sql("UPDATE llm_providers SET base_url = $1, enabled = $2, api_key_env = $3, updated_at = now() WHERE key = 'openrouter'", [saved.base_url, saved.enabled, saved.api_key_env]);
    }
  },
  sql: async ({}, use) => {
    const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
    await client.connect();
    try {
      await use(async (text, params) => (await client.query(text, params)).rows);
    } finally {
      await client.end();
    }
  },
  signedIn: async ({ context, baseURL }, use) => {
    const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
    await client.connect();
    const id = randomUUID();
    const email = `fixture-${randomBytes(4).toString("hex")}@example.com`;
    const sessionToken = randomUUID();
    try {
      await client.query("INSERT INTO users (id, email, updated_at) VALUES ($1, $2, now())", [id, email]);
      await client.query("INSERT INTO auth_sessions (id, session_token, user_id, expires) VALUES ($1, $2, $3, now() + interval '1 hour')", [
        randomUUID(),
        sessionToken,
        id,
      ]);
      await context.addCookies([{ name: "next-auth.session-token", value: sessionToken, url: baseURL!, httpOnly: true, sameSite: "Lax" }]);
      await use({ id, email });
    } finally {
      await removeUser((text, params) => client.query(text, params), id);
      await client.end();
    }
  },
});

export { expect };
