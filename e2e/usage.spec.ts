/**
 * Credits in the browser: a turn's credits in the room (timeline and details drawer), then on the
 * Usage & billing page (wallet, the charts' table alternative, transactions), and the CSV download
 * compared row by row with the user's ledger rows in the database. Also the low-balance banner and
 * "Credits left" on the home page, the page on a phone screen, and paid tool calls in the summary.
 */
import fs from "node:fs";
import { Decimal } from "decimal.js";
import type { Page } from "@playwright/test";
import { creditsExactText, creditsText, formatCredits, formatCreditsExact } from "../src/components/usage/credits.ts";
import { send } from "./chat.ts";
import { expect, test } from "./fixtures.ts";
import { parse } from "csv-parse/sync";

async function sendInNewRoom(page: Page, template: string, text: string) {
  await page.goto("/");
  await page.getByRole("button", { name: `Create a room from the ${template} template` }).click();
  await expect(page.getByRole("heading", { level: 1, name: template })).toBeVisible();
  await send(page, text);
}

/** The export read back with a real CSV parser (quoted fields, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
  return parse(text) as string[][];
}

const NUMERIC = new Set(["oe_tokens", "multiplier", "credits_burned", "provider_cost_usd"]);

/** A database value as the export writes it. */
function cell(column: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (NUMERIC.has(column)) return new Decimal(String(value)).toFixed();
  return String(value);
}

test("a turn's credits: in the room, on the Usage page, and in the CSV download", async ({ page, signedIn: user, sql }) => {
  await sendInNewRoom(page, "Code review", "Review this function for bugs, please.");
  const turn = page.getByTestId("turn").last();
  await expect(turn.getByTestId("turn-status")).toHaveText("Completed");

  // The session's first turn also names it: a `title` call of its own, on no turn, billed too
  // (src/server/domain/sessions/title.ts). Waited for, so every figure below is final.
  await expect.poll(async () => (await sql("SELECT 1 FROM llm_call_events WHERE user_id = $1 AND call_purpose = 'title'", [user.id])).length, { timeout: 20_000 }).toBe(1);
  // The ledger: one row per call (two reviewers, and the title), and the turn's credits are the reviewers'.
  const all = await sql<{ id: string; step_id: string; credits_burned: string; model_alias: string; call_purpose: string }>(
    "SELECT id, step_id, credits_burned::text, model_alias, call_purpose::text FROM llm_call_events WHERE user_id = $1 ORDER BY created_at, id",
    [user.id],
  );
  const ledger = all.filter((row) => row.call_purpose !== "title");
  expect(ledger).toHaveLength(2);
  const total = ledger.reduce((sum, row) => sum.plus(row.credits_burned), new Decimal(0));
  const spent = all.reduce((sum, row) => sum.plus(row.credits_burned), new Decimal(0));
  expect(total.gt(0)).toBe(true);
  // Two decimals in the timeline ("< 0.01" when that would read 0.00), the exact sum in its tooltip.
  await expect(turn.getByTestId("turn-credits")).toHaveText(creditsText(total.toFixed()));
  await expect(turn.getByTestId("turn-credits")).toHaveAttribute("title", creditsExactText(total.toFixed()));
  expect(creditsText(total.toFixed())).toMatch(/^(< 0\.01|[\d,]+\.\d\d) credits?$/);

  // The details drawer: the total, and each step's own.
  await turn.getByRole("button", { name: "Details of turn 1" }).click();
  const drawer = page.getByRole("dialog", { name: "Turn 1 details" });
  // The drawer is exact: every decimal the ledger keeps.
  await expect(drawer.getByTestId("turn-details-credits")).toHaveText(creditsExactText(total.toFixed()));
  // Roundtable: the first reviewer's call ended (and was written) first.
  await expect(drawer.locator('tbody td[data-label="Credits"]')).toHaveText(ledger.map((row) => formatCreditsExact(row.credits_burned)));
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();

  // The Usage page, from the header.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Usage" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Usage & billing" })).toBeVisible();
  await expect(page).toHaveTitle(/Usage & billing/);
  // Read the wallet afresh: the room last read it (kept 5 s) when the turn ended, which may have been
  // while the title call was holding its reservation.
  await page.reload();
  await expect(page.getByTestId("balance")).toHaveText(formatCredits(new Decimal(100).minus(spent).toFixed()));
  await expect(page.getByTestId("reserved")).toHaveText("0.00");
  await expect(page.getByTestId("period-total")).toContainText(`${formatCredits(spent.toFixed())} credits over 3 calls`);

  // The charts, and their table alternative: the room and the model with the turn's credits.
  for (const id of ["chart-day", "chart-model", "chart-room"]) await expect(page.getByTestId(id).locator("svg.recharts-surface").first()).toBeVisible();
  const roomChart = page.getByTestId("chart-room");
  await roomChart.getByText("Table: credits by room").click();
  await expect(roomChart.getByRole("row", { name: /Code review/ })).toContainText(formatCredits(spent.toFixed()));
  const modelChart = page.getByTestId("chart-model");
  await modelChart.getByText("Table: credits by model").click();
  await expect(modelChart.getByRole("row", { name: /local/ })).toContainText(formatCredits(spent.toFixed()));
  const dayChart = page.getByTestId("chart-day");
  await dayChart.getByText("Table: credits by day").press("Enter"); // a disclosure opens from the keyboard too
  await expect(dayChart.getByRole("row", { name: new RegExp(new Date().toISOString().slice(0, 10)) })).toContainText(formatCredits(spent.toFixed()));

  // Transactions: the signup grant and one debit per call, newest first.
  const amounts = page.getByTestId("transaction-amount");
  await expect(amounts).toHaveCount(4);
  await expect(amounts.last()).toHaveText("+100.00");
  const debits = (await amounts.allTextContents()).slice(0, 3).sort();
  expect(debits).toEqual(all.map((row) => formatCredits(`-${row.credits_burned}`)).sort());

  // The period switch (radio buttons): the last 7 days hold the same turn.
  await page.getByRole("radio", { name: "Last 7 days" }).check();
  await expect(page.getByTestId("period-total")).toContainText(`${formatCredits(spent.toFixed())} credits over 3 calls`);

  // The CSV download: the header, then the user's ledger rows, every column.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^pantheon-usage-\d{4}-\d{2}-\d{2}\.csv$/);
  const [header, ...rows] = parseCsv(fs.readFileSync((await download.path())!, "utf8"));
  expect(header).toContain("credits_burned");
  const dbRows = await sql("SELECT * FROM llm_call_events WHERE user_id = $1 ORDER BY created_at, id", [user.id]);
  expect(header).toEqual(Object.keys(dbRows[0]!));
  expect(rows).toEqual(dbRows.map((row) => header!.map((column) => cell(column, row[column]))));
});

test("low balance: a banner on every page, and credits left on the home page", async ({ page, signedIn: _user, appSetting }) => {
  await page.goto("/");
  await expect(page.getByTestId("credits-left")).toContainText("Credits left 100.00");
  await expect(page.getByTestId("low-balance")).toHaveCount(0);

  await appSetting("credits.low_balance_threshold", 500);
  await page.reload();
  const banner = page.getByTestId("low-balance");
  await expect(banner).toContainText("Low balance: 100.00 credits left.");
  await expect(page.getByTestId("credits-left")).toContainText("low");
  await banner.getByRole("link", { name: "See usage & billing" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Usage & billing" })).toBeVisible();
  await expect(page.getByText("Your balance is below 500.00 credits.")).toBeVisible();
});

test("the Usage page fits a phone screen, and needs a signed-in user", async ({ page, signedIn: user, sql }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await sendInNewRoom(page, "Writing desk", "@editor tighten this intro");
  await expect(page.getByTestId("turn").last().getByTestId("turn-status")).toHaveText("Completed");
  // The session's title call (see above) comes right after the turn.
  await expect.poll(async () => (await sql("SELECT 1 FROM llm_call_events WHERE user_id = $1 AND call_purpose = 'title'", [user.id])).length, { timeout: 20_000 }).toBe(1);
  await page.goto("/usage");
  await expect(page.getByTestId("chart-room").locator("svg.recharts-surface")).toBeVisible();
  await page.getByTestId("chart-room").getByText("Table: credits by room").click();
  await expect(page.getByTestId("transaction-amount")).toHaveCount(3);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  await page.context().clearCookies();
  await page.goto("/usage");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fusage/);
  const res = await page.request.get("/api/usage/export");
  expect(res.status()).toBe(401);
  expect((await res.json()).error.data).toMatchObject({ code: "UNAUTHORIZED", appCode: "unauthorized" });
});

test("paid tool calls on the Usage page: a Tools line, their own row by model, counted in the room", async ({ page, signedIn: user, sql }) => {
  await sendInNewRoom(page, "Writing desk", "@editor tighten this intro");
  await expect(page.getByTestId("turn").last().getByTestId("turn-status")).toHaveText("Completed");
  await expect.poll(async () => (await sql("SELECT 1 FROM llm_call_events WHERE user_id = $1 AND call_purpose = 'title'", [user.id])).length, { timeout: 20_000 }).toBe(1);
  // A paid search and a denied call by the editor's step, as the tool loop leaves them (this server
  // has no search provider to call): only the paid one counts.
  const [step] = await sql<{ id: string; turn_id: string }>("SELECT s.id, s.turn_id FROM turn_steps s JOIN turns t ON t.id = s.turn_id WHERE t.user_id = $1 ORDER BY s.index LIMIT 1", [user.id]);
  for (const [index, status, credits] of [[0, "succeeded", "0.05"], [1, "denied", "0"]] as const) {
    await sql(
      `INSERT INTO tool_call_events (id, key, user_id, turn_id, step_id, attempt, call_index, tool_call_id, tool, arguments, status, credits, finished_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, 1, $5, $6, 'search', '{"query":"intro"}', $7::tool_call_status, $8::numeric, now())`,
      [`${step!.turn_id}:0:1:t${index}`, user.id, step!.turn_id, step!.id, index, `call_${index}`, status, credits],
    );
  }
  const ledger = await sql<{ credits: string; calls: number }>("SELECT sum(credits_burned)::text AS credits, count(*)::int AS calls FROM llm_call_events WHERE user_id = $1", [user.id]);
  const total = new Decimal(ledger[0]!.credits).plus("0.05").toFixed();

  await page.goto("/usage");
  await expect(page.getByTestId("period-total")).toContainText(`${formatCredits(total)} credits over ${ledger[0]!.calls} model calls and 1 tool call`);
  await expect(page.getByTestId("period-tools")).toHaveText("Tools: 0.05 credits of it, on 1 paid tool call.");
  const modelChart = page.getByTestId("chart-model");
  await modelChart.getByText("Table: credits by model").click();
  await expect(modelChart.getByRole("row", { name: /search \(tool\)/ })).toContainText("0.05");
  const roomChart = page.getByTestId("chart-room");
  await roomChart.getByText("Table: credits by room").click();
  await expect(roomChart.getByRole("row", { name: /Writing desk/ })).toContainText(formatCredits(total));
});
