import { expect, test } from "./fixtures.ts";

test("sign in by magic link, create a token, sign out", async ({ page, request }) => {
  const email = `e2e-${Date.now()}@example.com`;

  // A signed-in page sends a visitor to sign in, and remembers where they were going.
  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Faccount/);

  await page.getByLabel("E-mail").fill(email);
  await page.getByRole("button", { name: "E-mail me a sign-in link" }).click();
  await expect(page.getByRole("heading", { name: "Check your e-mail" })).toBeVisible();

  // No SMTP server in this run: the link is in the development outbox.
  await page.goto("/dev/outbox");
  await page.getByRole("link", { name: `Sign in as ${email}` }).first().click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("account-email")).toHaveText(email);

  await page.getByLabel("Name").fill("e2e script");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())?.trim() ?? "";
  expect(token).toMatch(/^pan_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByRole("cell", { name: "e2e script", exact: true })).toBeVisible();

  // Without it, the API refuses: tRPC's own code in data.code, the machine code in data.appCode.
  const anonymous = await request.get("/api/trpc/auth.me");
  expect(anonymous.status()).toBe(401);
  expect((await anonymous.json()).error.json.data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401, appCode: "unauthorized" });

  // The token works for scripts.
  const me = await request.get("/api/trpc/auth.me", { headers: { authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect(JSON.stringify(await me.json())).toContain(email);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goBack();
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
