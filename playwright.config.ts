import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { defineConfig, devices } from "@playwright/test";
import { freePort } from "./src/test/free-port.ts";

/**
 * End-to-end tests against the built app and a real worker, on a fresh embedded PostgreSQL in a
 * temporary directory (see e2e/server.ts). Browsers are never downloaded: Debian's Chromium is used.
 */
// Chosen once in the main process; Playwright's workers inherit them through the environment.
process.env.PANTHEON_E2E_PORT ??= String(await freePort());
process.env.PANTHEON_E2E_PG_PORT ??= String(await freePort());
// The fake Stripe API the e2e server starts (e2e/server.ts): payments are configured against it.
process.env.PANTHEON_E2E_STRIPE_PORT ??= String(await freePort());
process.env.PANTHEON_E2E_DATA_DIR ??= path.join(os.tmpdir(), `pantheon-e2e-${randomBytes(4).toString("hex")}`);

const port = Number(process.env.PANTHEON_E2E_PORT);
const baseURL = `http://localhost:${port}`;

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 20_000 },
  reporter: [["list"], ["json", { outputFile: "reports/playwright.json" }], ...(process.env.CI ? [] : [["html", { open: "never" }] as const])],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: "node --import tsx e2e/server.ts",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    // The first run builds the app.
    timeout: 240_000,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 40_000 },
    env: {
      PORT: String(port),
      PANTHEON_DATA_DIR: process.env.PANTHEON_E2E_DATA_DIR,
      PANTHEON_PG_PORT: process.env.PANTHEON_E2E_PG_PORT,
      DATABASE_URL: "",
      LOG_LEVEL: "warn",
      // As `npm start` with no settings: the sign-in link goes to the outbox, where the e2e test
      // picks it up.
      EMAIL_SERVER: "",
      // Test values for the fake Stripe, not real secrets (src/test/fake-stripe.ts).
      STRIPE_SECRET_KEY: "sk_test_e2e_fake_stripe",
      STRIPE_WEBHOOK_SECRET: "whsec_e2e_fake_stripe",
      STRIPE_API_BASE: `http://127.0.0.1:${process.env.PANTHEON_E2E_STRIPE_PORT}`,
    },
  },
});
