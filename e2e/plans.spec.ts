/**
 * Plans in the browser: an owner creates a plan on the admin Plans page (a wrong price is refused
 * at its field first), assigns it by hand on a user's page (its first period's credits granted at
 * once), and the agent editor marks the models that plan does not include; an owner edits the
 * credit packs there (a refused field shown at its field) and users are offered exactly those under
 * Buy credits, while an analyst sees them read-only. No serious or critical axe violation.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { creditsText } from "../src/components/usage/credits.ts";
import { axeViolations } from "./axe.ts";
import { expect, test } from "./fixtures.ts";

test("an owner creates a plan, assigns it by hand, and the agent editor marks the models outside it", async ({ page, signedIn, sql }) => {
  test.setTimeout(120_000);
  const suffix = randomBytes(3).toString("hex");
  const key = `e2e-${suffix}`;
  const name = `Lab ${suffix}`;
  const targetId = randomUUID();
  const targetEmail = `planned-${suffix}@example.com`;
  await sql("INSERT INTO users (id, email, updated_at) VALUES ($1, $2, now())", [targetId, targetEmail]);
  await sql("UPDATE users SET role = 'owner' WHERE id = $1", [signedIn.id]);
  try {
    await page.goto("/admin/plans");
    await expect(page.getByRole("heading", { level: 1, name: "Plans" })).toBeVisible();
    await expect(page.getByTestId("plan-free")).toContainText("Default");
    await page.getByRole("button", { name: "New plan" }).click();
    const form = page.getByRole("form", { name: "New plan" });
    await form.getByLabel("Key").fill(key);
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Credits per month").fill("250");
    await form.getByLabel("Price per month").fill("4.999");
    await form.getByRole("checkbox", { name: /\(local\)/ }).check();
    await form.getByLabel("Turns per minute").fill("4");
    await form.getByRole("button", { name: "Create plan" }).click();
    await expect(form.getByLabel("Price per month")).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByLabel("Price per month")).toBeFocused();
    await form.getByLabel("Price per month").fill("5");
    await form.getByRole("button", { name: "Create plan" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Created ${name}.` })).toBeVisible();
    const row = page.getByTestId(`plan-${key}`);
    await expect(row).toContainText("250");
    await expect(row).toContainText("$5.00 / month");
    await expect(row).toContainText("local");
    await expect(row).toContainText("4 / min");
    expect(await axeViolations(page)).toEqual([]);

    // By hand on the user's page: the first period's credits at once.
    await page.goto(`/admin/users/${targetId}`);
    const plan = page.getByRole("region", { name: "Plan", exact: true });
    await expect(plan.getByTestId("user-plan")).toHaveText("Free");
    await plan.getByLabel("Assign a plan by hand").selectOption({ label: `${name} · 250.00 credits / month` });
    await plan.getByRole("button", { name: "Assign plan" }).click();
    await expect(plan.getByRole("status")).toContainText(`Now on ${name} until`);
    await expect(plan.getByRole("status")).toContainText("250.00 credits granted");
    await expect(plan.getByTestId("user-plan")).toHaveText(name);
    expect(await sql("SELECT kind::text, amount::text FROM credit_transactions WHERE user_id = $1 AND kind = 'plan_grant'", [targetId])).toEqual([{ kind: "plan_grant", amount: "250.000000" }]);
    expect(await axeViolations(page)).toEqual([]);

    // The owner on that plan: the agent editor marks every model but the offline one.
    await sql("INSERT INTO subscriptions (id, user_id, plan_id, source, current_period_start, current_period_end, updated_at) SELECT gen_random_uuid(), $1, id, 'manual', now(), now() + interval '1 month', now() FROM plans WHERE key = $2", [signedIn.id, key]);
    await page.goto("/agents");
    const picker = page.getByLabel("Model", { exact: true });
    await expect(picker.locator("option", { hasText: "not in your plan" }).first()).toContainText(`not in your plan (${name})`);
    const offline = picker.locator("option[value='local']");
    await expect(offline).not.toContainText("not in your plan");
  } finally {
    await sql("DELETE FROM credit_transactions WHERE user_id = $1", [targetId]);
    await sql("DELETE FROM credit_wallets WHERE user_id = $1", [targetId]);
    await sql("DELETE FROM subscriptions WHERE user_id = $1 OR plan_id IN (SELECT id FROM plans WHERE key = $2)", [targetId, key]);
    await sql("DELETE FROM users WHERE id = $1", [targetId]);
    await sql("DELETE FROM plans WHERE key = $1", [key]);
  }
});

test("an owner edits the credit packs in the console; users are offered them under Buy credits", async ({ page, signedIn, sql, appSetting }) => {
  test.setTimeout(90_000);
  const id = `e2e-${randomBytes(3).toString("hex")}`;
  // A known starting list, put back after the test.
  await appSetting("billing.credit_packs", [
    { id: "small", credits: "500", priceCents: 500 },
    { id: "medium", credits: "2000", priceCents: 1800 },
  ]);
  await sql("UPDATE users SET role = 'owner' WHERE id = $1", [signedIn.id]);
  await page.goto("/admin/plans");
  const section = page.getByRole("region", { name: "Credit packs" });
  await expect(section.getByTestId("pack-small")).toContainText("$5.00");
  await section.getByRole("button", { name: "Edit packs" }).click();
  const form = section.getByRole("form", { name: "Edit credit packs" });

  // Zero credits: refused by the server, shown (and focused) at that pack's field.
  const second = form.getByRole("group", { name: "Pack 2" });
  await second.getByLabel("Credits").fill("0");
  await second.getByLabel("Name").fill("Team pack");
  await form.getByRole("button", { name: "Save packs" }).click();
  await expect(second.getByLabel("Credits")).toHaveAttribute("aria-invalid", "true");
  await expect(second.getByLabel("Credits")).toBeFocused();
  await expect(second).toContainText("positive number");
  await second.getByLabel("Credits").fill("2500");

  // A new pack from the keyboard; the first removed the same way.
  await form.getByRole("button", { name: "Add pack" }).press("Enter");
  const third = form.getByRole("group", { name: "Pack 3" });
  await expect(third.getByLabel("ID")).toBeFocused();
  await page.keyboard.type(id);
  await third.getByLabel("Credits").fill("1234.5");
  await third.getByLabel("Price").fill("12.34");
  await form.getByRole("group", { name: "Pack 1" }).getByRole("button", { name: "Remove pack 1" }).press("Enter");
  await expect(form.getByRole("group")).toHaveCount(2);
  await expect(form.getByRole("group", { name: "Pack 1" }).getByLabel("ID")).toHaveValue("medium");
  expect(await axeViolations(page)).toEqual([]);
  await form.getByRole("button", { name: "Save packs" }).click();

  await expect(section.getByRole("status").filter({ hasText: "Saved 2 credit packs" })).toBeVisible();
  await expect(section.getByTestId("pack-small")).toHaveCount(0);
  await expect(section.getByTestId("pack-medium")).toContainText("Team pack");
  await expect(section.getByTestId("pack-medium")).toContainText("2,500.00");
  await expect(section.getByTestId(`pack-${id}`)).toContainText("$12.34");
  expect(await sql("SELECT count(*)::int AS n FROM admin_audit_logs WHERE action = 'billing.credit_packs.set' AND actor_id = $1", [signedIn.id])).toEqual([{ n: 1 }]);

  // What a user is offered.
  await page.goto("/usage");
  const offered = page.getByTestId("credit-packs").getByRole("listitem");
  await expect(offered).toHaveCount(2);
  await expect(offered.nth(0)).toContainText("Team pack");
  await expect(offered.nth(0)).toContainText(creditsText("2500"));
  await expect(offered.nth(0)).toContainText("$18.00");
  await expect(offered.nth(1)).toContainText(creditsText("1234.5"));
  await expect(offered.nth(1)).toContainText("$12.34");

  // An analyst sees the packs, and no way to change them.
  await sql("UPDATE users SET role = 'analyst' WHERE id = $1", [signedIn.id]);
  await page.goto("/admin/plans");
  await expect(section.getByTestId(`pack-${id}`)).toBeVisible();
  await expect(section.getByRole("button")).toHaveCount(0);
});
