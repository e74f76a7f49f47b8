/**
 * Paying through Stripe in the browser, against the fake Stripe the e2e server runs (its checkout
 * page's Pay sends signed events to the app's webhook, as Stripe does): a credit pack bought and
 * credited, then a plan subscribed to, which changes the models the agent editor offers.
 */
import { creditsText, formatCredits } from "../src/components/usage/credits.ts";
import { axeViolations } from "./axe.ts";
import { expect, test } from "./fixtures.ts";

test("buy a credit pack: from the low-balance banner to Stripe Checkout, back to Usage & billing, the balance and the top-up", async ({ page, signedIn: user, sql, appSetting }) => {
  await appSetting("credits.low_balance_threshold", 1_000_000);
  await page.goto("/");
  await page.getByTestId("low-balance").getByRole("link", { name: "Buy credits" }).click();
  await expect(page).toHaveURL(/\/usage#buy-credits$/);
  await expect(page.getByRole("heading", { level: 2, name: "Buy credits" })).toBeInViewport();
  await expect(page.getByTestId("balance")).toBeVisible();
  const before = (await sql<{ balance: string }>("SELECT balance::text FROM credit_wallets WHERE user_id = $1", [user.id]))[0]!.balance;

  const packs = page.locator("#buy-credits");
  await packs.getByRole("button", { name: `Buy ${creditsText("500")} for $5.00` }).click();

  // Stripe's (fake) hosted page.
  await expect(page.getByRole("heading", { name: "Fake Stripe Checkout" })).toBeVisible();
  await expect(page.getByTestId("checkout-what")).toHaveText("500 credits");
  await page.getByRole("button", { name: "Pay" }).click();

  await expect(page).toHaveURL(/\/usage$/);
  await expect(page.getByTestId("checkout-notice")).toContainText("payment went through");
  const expected = (Number(before) + 500).toFixed(2);
  await expect(page.getByTestId("balance")).toHaveText(formatCredits(expected), { timeout: 30_000 });
  const topup = page.getByTestId("transactions").locator('tr[data-kind="topup"]');
  await expect(topup).toHaveCount(1);
  await expect(topup.getByTestId("transaction-amount")).toHaveText(`+${formatCredits("500")}`);

  const rows = await sql<{ reference_id: string; amount: string }>("SELECT reference_id, amount::text FROM credit_transactions WHERE user_id = $1 AND kind = 'topup'", [user.id]);
  expect(rows).toHaveLength(1);
  expect(rows[0]!.reference_id).toMatch(/^cs_test_/);
  expect(Number(rows[0]!.amount)).toBe(500);
  expect(await axeViolations(page)).toEqual([]);
});

test("change plan through Checkout: the plan, its credits and the agent editor's models follow", async ({ page, signedIn: user, sql }) => {
  // The free plan allows only the offline model; Pro allows every model and has a Stripe price.
  const [saved] = await sql<{ free: string[]; pro: string[]; price: string | null }>(
    "SELECT (SELECT allowed_models FROM plans WHERE key = 'free') AS free, (SELECT allowed_models FROM plans WHERE key = 'pro') AS pro, (SELECT stripe_price_id FROM plans WHERE key = 'pro') AS price",
  );
  await sql("UPDATE plans SET allowed_models = ARRAY['local'] WHERE key = 'free'");
  await sql("UPDATE plans SET allowed_models = '{}', stripe_price_id = 'price_e2e_pro' WHERE key = 'pro'");
  try {
    await page.goto("/agents");
    const model = page.getByLabel("Model", { exact: true }).first();
    await expect(model.locator("option", { hasText: /not in your plan/i }).first()).toBeAttached();

    await page.goto("/usage");
    await expect(page.getByTestId("plan-name")).toHaveText("Free");
    await page.getByTestId("plan-pro").getByRole("button", { name: "Subscribe" }).click();
    await expect(page.getByRole("heading", { name: "Fake Stripe Checkout" })).toBeVisible();
    await page.getByRole("button", { name: "Pay" }).click();

    await expect(page).toHaveURL(/\/usage$/);
    await expect(page.getByTestId("plan-name")).toHaveText("Pro", { timeout: 30_000 });
    await expect(page.getByTestId("current-plan")).toContainText("Current period");
    await expect(page.getByTestId("plan-pro")).toContainText("Current plan");
    await expect(page.getByRole("button", { name: "Manage subscription", exact: true })).toBeVisible();
    await expect(page.getByTestId("transactions").locator('tr[data-kind="plan_grant"]')).toHaveCount(1, { timeout: 30_000 });
    await expect(page.getByTestId("invoices").locator("tbody tr")).toHaveCount(1);

    await page.goto("/agents");
    await expect(model).toBeVisible();
    await expect(model.locator("option", { hasText: /not in your plan/i })).toHaveCount(0);
    const [row] = await sql<{ status: string; source: string }>("SELECT status, source FROM subscriptions WHERE user_id = $1", [user.id]);
    expect(row).toEqual({ status: "active", source: "stripe" });
  } finally {
    await sql("UPDATE plans SET allowed_models = $1 WHERE key = 'free'", [saved!.free]);
    await sql("UPDATE plans SET allowed_models = $1, stripe_price_id = $2 WHERE key = 'pro'", [saved!.pro, saved!.price]);
  }
});
