/**
 * Users in the admin console, in the browser: an owner finds a user, grants them credits with a
 * reason, sets a daily cap and suspends them after a confirmation, each change landing in the
 * audit log; an analyst sees the same page with every control disabled. No serious or critical axe
 * violation on either page.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { axeViolations } from "./axe.ts";
import { expect, test } from "./fixtures.ts";



test("an owner grants credits with a reason, caps and suspends a user; an analyst sees it all read-only", async ({ page, signedIn, sql }) => {
  test.setTimeout(90_000);
  const targetId = randomUUID();
  const targetEmail = `member-${randomBytes(4).toString("hex")}@example.com`;
  await sql("INSERT INTO users (id, email, updated_at) VALUES ($1, $2, now())", [targetId, targetEmail]);
  await sql("UPDATE users SET role = 'owner' WHERE id = $1", [signedIn.id]);
  try {
    await page.goto("/admin/users");
    await expect(page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Users" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
    await page.getByLabel("E-mail or name").fill(targetEmail.slice(0, 14));
    await page.getByLabel("E-mail or name").press("Enter");
    await expect(page.getByRole("status").filter({ hasText: "1 user match." })).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("link", { name: targetEmail }).click();
    await expect(page.getByRole("heading", { level: 1, name: targetEmail })).toBeVisible();

    // Grant: the reason is required.
    await page.getByLabel("Credits", { exact: true }).fill("12.5");
    await page.getByRole("button", { name: "Grant credits" }).click();
    await expect(page.getByText("Say why, in a few words")).toBeVisible();
    await expect(page.getByLabel("Reason")).toHaveAttribute("aria-invalid", "true");
    await page.getByLabel("Reason").fill("Pilot team");
    await page.getByRole("button", { name: "Grant credits" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Granted 12.50 credits; the balance is now 112.50." })).toBeVisible();
    await expect(page.getByTestId("user-balance")).toHaveText("112.50");
    await expect(page.getByTestId("user-transactions")).toContainText("Pilot team");

    await page.getByLabel("Daily cap (credits)").fill("5");
    await page.getByRole("button", { name: "Save caps" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Caps saved: daily 5, monthly none." })).toBeVisible();

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Suspend…" }).click();
    await expect(page.getByRole("status").filter({ hasText: `${targetEmail} is suspended` })).toBeVisible();
    await expect(page.getByRole("button", { name: "Reactivate" })).toBeEnabled();
    expect(await axeViolations(page)).toEqual([]);

    const audit = await sql<{ action: string; actor_label: string }>("SELECT action, actor_label FROM admin_audit_logs WHERE target_id = $1 ORDER BY created_at", [targetId]);
    expect(audit).toEqual([
      { action: "user.credits.grant", actor_label: signedIn.email },
      { action: "user.set_caps", actor_label: signedIn.email },
      { action: "user.suspend", actor_label: signedIn.email },
    ]);
    const [tx] = await sql<{ kind: string; amount: string; note: string }>("SELECT kind::text, amount::text, note FROM credit_transactions WHERE user_id = $1 AND kind = 'admin_adjustment'", [targetId]);
    expect(tx).toEqual({ kind: "admin_adjustment", amount: "12.500000", note: "Pilot team" });

    // An analyst: the same page, every control disabled.
    await sql("UPDATE users SET role = 'analyst' WHERE id = $1", [signedIn.id]);
    await page.reload();
    await expect(page.getByText("You have read-only access")).toBeVisible();
    await expect(page.getByTestId("user-balance")).toHaveText("112.50");
    for (const name of ["Reactivate", "Save role", "Grant credits", "Save caps"]) await expect(page.getByRole("button", { name })).toBeDisabled();
    for (const label of ["Role", "Reason", "Daily cap (credits)", "Monthly cap (credits)"]) await expect(page.getByLabel(label, { exact: true })).toBeDisabled();
    await expect(page.getByLabel("Credits", { exact: true })).toBeDisabled();
  } finally {
    for (const table of ["credit_transactions", "credit_wallets", "user_credit_caps"]) await sql(`DELETE FROM ${table} WHERE user_id = $1`, [targetId]);
    await sql("DELETE FROM users WHERE id = $1", [targetId]);
  }
});
