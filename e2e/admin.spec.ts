/**
 * The admin console's Settings, Jobs and Audit pages in the browser, with Users: an owner grants a
 * user credits with a reason on the user's page, switches credit enforcement off on the settings
 * page (after the form refuses a value out of bounds), retries a failed job, and finds all three
 * in the audit log with their before and after; an analyst sees the same pages with every control
 * that changes something disabled. No serious or critical axe violation on any of them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { PgBoss } from "pg-boss";
import { axeViolations } from "./axe.ts";
import { expect, test } from "./fixtures.ts";



function e2eDatabaseUrl(): string {
  const conn = JSON.parse(fs.readFileSync(path.join(process.env.PANTHEON_E2E_DATA_DIR!, "postgres.json"), "utf8")) as { port: number; user: string; password: string; database: string };
  return `postgresql://${conn.user}:${encodeURIComponent(conn.password)}@127.0.0.1:${conn.port}/${conn.database}`;
}

/**
 * A job that fails in the running worker: a `system.ping` whose payload is not a ping's, so the
 * worker's check of the payload refuses it (the queue does not retry).
 */
async function sendBadPing(): Promise<string> {
  const boss = new PgBoss({ connectionString: e2eDatabaseUrl(), schema: process.env.PGBOSS_SCHEMA ?? "pgboss", supervise: false, schedule: false });
  boss.on("error", () => undefined);
  await boss.start();
  try {
    const id = await boss.send("system.ping", { notAPing: true });
    if (!id) throw new Error("pg-boss refused the job");
    return id;
  } finally {
    await boss.stop({ graceful: false });
  }
}

const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name, exact: true }).click();

test("an owner grants credits, switches enforcement off and retries a job, all in the audit log; an analyst sees every page read-only", async ({ page, signedIn, sql, appSetting }) => {
  test.setTimeout(120_000);
  // Put back after the test whatever the page changes.
  await appSetting("credits.enforcement", true);
  const targetId = randomUUID();
  const targetEmail = `member-${randomBytes(4).toString("hex")}@example.com`;
  await sql("INSERT INTO users (id, email, updated_at) VALUES ($1, $2, now())", [targetId, targetEmail]);
  await sql("UPDATE users SET role = 'owner' WHERE id = $1", [signedIn.id]);
  // Two failed jobs: the owner retries one; the other is still failed when the analyst looks.
  const jobId = await sendBadPing();
  const otherJobId = await sendBadPing();
  try {
    // Users: grant credits with a reason on the user's page.
    await page.goto("/admin/users");
    await page.getByLabel("E-mail or name").fill(targetEmail);
    await page.getByLabel("E-mail or name").press("Enter");
    await page.getByRole("link", { name: targetEmail }).click();
    await expect(page.getByRole("heading", { level: 1, name: targetEmail })).toBeVisible();
    await page.getByLabel("Credits", { exact: true }).fill("7.5");
    await page.getByLabel("Reason").fill("Welcome to the pilot");
    await page.getByRole("button", { name: "Grant credits" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Granted 7.50 credits" })).toBeVisible();

    // Settings: grouped, with defaults; a value out of bounds is refused at the field, then
    // enforcement goes off for every process.
    await nav(page, "Settings");
    await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();
    for (const group of ["Turns and rate limits", "Orchestrator", "Summaries", "Sessions", "Credits", "Tools and files", "Retention"]) {
      await expect(page.getByRole("region", { name: group })).toBeVisible();
    }
    const orchestrator = page.getByRole("region", { name: "Orchestrator" });
    await expect(orchestrator.getByLabel("Rounds per turn")).toHaveValue("3");
    await orchestrator.getByLabel("Rounds per turn").fill("11");
    await orchestrator.getByRole("button", { name: "Save orchestrator" }).click();
    await expect(orchestrator.getByRole("alert")).toHaveText("Rounds per turn must be a whole number from 1 to 10.");
    await expect(orchestrator.getByLabel("Rounds per turn")).toHaveAttribute("aria-invalid", "true");
    await orchestrator.getByRole("button", { name: "Discard changes" }).click();
    await expect(orchestrator.getByLabel("Rounds per turn")).toHaveValue("3");
    await expect(page.getByRole("region", { name: "Retention" })).toContainText("Default: 90 days");
    await expect(page.getByRole("region", { name: "Sessions" }).getByRole("checkbox", { name: /Automatic titles/ })).toBeChecked();

    const credits = page.getByRole("region", { name: "Credits" });
    await credits.getByRole("checkbox", { name: /Enforce credits/ }).uncheck();
    await credits.getByRole("button", { name: "Save credits" }).click();
    await expect(credits.getByRole("status")).toHaveText("Saved: Enforce credits. Every process uses it from now on.");
    await expect(credits.getByRole("checkbox", { name: /Enforce credits/ })).not.toBeChecked();
    expect(await sql("SELECT value FROM app_settings WHERE key = 'credits.enforcement'")).toEqual([{ value: false }]);
    expect(await axeViolations(page)).toEqual([]);

    // Jobs: the failed job with its error, retried.
    const states = async () => (await sql<{ state: string }>("SELECT state::text FROM pgboss.job WHERE id = ANY($1::uuid[]) ORDER BY state", [[jobId, otherJobId]])).map((r) => r.state);
    await expect.poll(states, { timeout: 30_000 }).toEqual(["failed", "failed"]);
    await nav(page, "Jobs");
    await expect(page.getByRole("heading", { level: 1, name: "Jobs" })).toBeVisible();
    await expect(page.getByTestId("queue-system.ping")).toBeVisible();
    const failed = page.getByTestId(`job-error-${jobId}`);
    await expect(failed).toContainText("Failed");
    await expect(page.getByTestId("report-retention.chat")).toContainText("Last run");
    expect(await axeViolations(page)).toEqual([]);
    await failed.getByRole("button", { name: `Retry job ${jobId}` }).click();
    await expect(page.getByRole("status").filter({ hasText: `Job ${jobId} of system.ping will run again.` })).toBeVisible();

    // Audit: all three, newest first, with what changed.
    await nav(page, "Audit log");
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    const rows = page.getByTestId("audit-row").filter({ hasText: signedIn.email });
    await expect(rows.filter({ hasText: "job.retry" })).toContainText(jobId);
    const setting = rows.filter({ hasText: "setting.update" }).filter({ hasText: "credits.enforcement" });
    await expect(setting).toContainText("value: true → false");
    await expect(rows.filter({ hasText: "credits" }).filter({ hasText: targetId })).toHaveCount(1);
    await page.getByLabel("Action").selectOption("setting.update");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page.getByTestId("audit-row").filter({ hasText: signedIn.email })).toHaveCount(1);
    expect(await axeViolations(page)).toEqual([]);
    const audit = await sql<{ action: string }>("SELECT action FROM admin_audit_logs WHERE actor_id = $1 ORDER BY created_at", [signedIn.id]);
    expect(audit.map((r) => r.action)).toEqual([expect.stringContaining("credits"), "setting.update", "job.retry"]);

    // An analyst: the same pages, every control that changes something disabled.
    await sql("UPDATE users SET role = 'analyst' WHERE id = $1", [signedIn.id]);
    await page.goto(`/admin/users/${targetId}`);
    await expect(page.getByRole("heading", { level: 1, name: targetEmail })).toBeVisible();
    await expect(page.getByRole("button", { name: "Grant credits" })).toBeDisabled();
    await expect(page.getByLabel("Reason")).toBeDisabled();
    expect(await axeViolations(page)).toEqual([]);

    await page.goto("/admin/settings");
    await expect(page.getByTestId("read-only")).toBeVisible();
    await expect(page.getByRole("checkbox", { name: /Enforce credits/ })).not.toBeChecked();
    const main = page.getByRole("main");
    await expect(main.getByRole("spinbutton").first()).toBeVisible();
    for (const control of await main.getByRole("spinbutton").all()) await expect(control).toBeDisabled();
    for (const control of await main.getByRole("checkbox").all()) await expect(control).toBeDisabled();
    for (const control of await main.getByRole("button").all()) await expect(control).toBeDisabled();
    expect(await axeViolations(page)).toEqual([]);

    await page.goto("/admin/jobs");
    await expect(page.getByTestId("read-only")).toBeVisible();
    await expect(page.getByTestId(`job-error-${otherJobId}`).getByRole("button", { name: `Retry job ${otherJobId}` })).toBeDisabled();
    for (const control of await page.getByRole("main").getByRole("button").all()) await expect(control).toBeDisabled();
    expect(await axeViolations(page)).toEqual([]);

    // The audit log only reads: its filters stay usable.
    await page.goto(`/admin/audit?targetType=setting&targetId=credits.enforcement`);
    await expect(page.getByTestId("audit-row").filter({ hasText: signedIn.email })).toContainText("value: true → false");
    expect(await axeViolations(page)).toEqual([]);
  } finally {
    await sql("DELETE FROM admin_audit_logs WHERE actor_id = $1", [signedIn.id]);
    for (const table of ["credit_transactions", "credit_wallets", "user_credit_caps"]) await sql(`DELETE FROM ${table} WHERE user_id = $1`, [targetId]);
    await sql("DELETE FROM users WHERE id = $1", [targetId]);
  }
});
