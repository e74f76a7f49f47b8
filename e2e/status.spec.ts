import { expect, test } from "./fixtures.ts";

test("the status page shows a healthy database and worker, and pings the worker", async ({ page, signedIn: _user }) => {
  const response = await page.goto("/status");
  // The page works under its security headers (a script blocked by the CSP would leave it "Checking…").
  const headers = response!.headers();
  expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(headers["strict-transport-security"]).toContain("max-age=");
  await expect(page.getByRole("heading", { level: 1, name: "Status" })).toBeVisible();

  const card = (name: string) => page.getByRole("region", { name, exact: true });
  await expect(card("Web")).toContainText("Healthy");
  await expect(card("Database")).toContainText("Healthy");
  await expect(card("Database")).toContainText(/Query latency\s*[\d.]+ ms/);
  await expect(card("Queue")).toContainText("Healthy");
  await expect(card("Worker")).toContainText("Healthy");
  await expect(page.getByRole("status").first()).toContainText("All systems healthy");

  await page.getByRole("button", { name: "Ping worker" }).click();
  await expect(page.getByTestId("ping-ms")).toHaveText(/^[\d.]+ ms$/);
  await expect(page.getByText(/answered by worker/)).toBeVisible();
});

test("the status page fits a phone screen and works from the keyboard", async ({ page, signedIn: _user }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto("/status");
  await expect(page.getByRole("region", { name: "Worker", exact: true })).toContainText("Healthy");

  const overflows = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflows).toBe(false);

  // Reach the button with Tab alone, as a keyboard user would.
  const button = page.getByRole("button", { name: "Ping worker" });
  for (let i = 0; i < 10 && !(await button.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(button).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("ping-ms")).toHaveText(/^[\d.]+ ms$/);
});

test("signed out, the status page shows health and offers sign-in instead of the ping", async ({ page }) => {
  await page.goto("/status");
  await expect(page.getByRole("region", { name: "Database", exact: true })).toContainText("Healthy");
  await expect(page.getByRole("button", { name: "Ping worker" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Sign in", exact: true }).last()).toHaveAttribute("href", /callbackUrl=%2Fstatus/);
});
