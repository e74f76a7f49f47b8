/**
 * The conversation pane in the browser: answers from an OpenAI-compatible provider (a fake server
 * started here, behind the real gateway) render as Markdown — a table, a highlighted code block
 * whose Copy button puts the code on the clipboard, a list — and hostile Markdown (a <script>, raw
 * HTML, javascript: and data: links) renders inert. Message actions: retry a failed step,
 * edit and resend, regenerate, each clicked twice, make exactly one turn. A `#m-<seq>` link loads
 * older pages until the message is there. No console error, no serious axe violation.
 */
import type { Page } from "@playwright/test";
import { axeViolations } from "./axe.ts";
import { send } from "./chat.ts";
import { fakeOpenAIForThisFile } from "./fake-provider.ts";
import { expect, test, type Sql } from "./fixtures.ts";
import { roomReady } from "./rooms.ts";
import { roomWithAgents, seedLongSession } from "./seed.ts";

const CODE = 'def greet(name):\n    return f"hi {name}"';
const RICH = [
  "Here is the plan.",
  "",
  "| Fruit | Qty |",
  "|---|---:|",
  "| apple | 3 |",
  "| pear | 5 |",
  "",
  "```python",
  CODE,
  "```",
  "",
  "- first item",
  "- second item",
  "- third item",
  "",
  '<script>window.__pwned = "script"</script>',
  "",
  '<img src="x" onerror="window.__pwned = \'img\'"> and <b>raw bold</b>',
  "",
  "[click me](javascript:window.__pwned='link') · [data link](data:text/html,<b>x</b>) · <a href=\"javascript:window.__pwned='raw'\">raw link</a>",
  "",
  "[safe link](https://example.com/docs)",
].join("\n");

const fake = fakeOpenAIForThisFile();

/** Each test starts with the fake answering "ok", behind OpenRouter's `llama` alias (put back after the test). */
test.beforeEach(async ({ openRouterAt }) => {
  fake().script(() => "ok");
  await openRouterAt(fake().baseURL);
});

/** A roundtable room of the user's with these agents (on the fake provider), opened. */
async function roomWith(page: Page, sql: Sql, userId: string, agents: { key: string; name: string; role: string }[]) {
  const roomId = await roomWithAgents(sql, userId, "Render room", agents);
  await page.goto(`/rooms/${roomId}`);
  await roomReady(page, "Render room");
  return roomId;
}

/** A dialog (an alert a script in an answer opened) fails the test; console errors fail it in the `page` fixture. */
function watchConsole(page: Page) {
  const errors: string[] = [];
  page.on("dialog", (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return errors;
}

test("an answer renders as Markdown: a table, highlighted code with a working Copy, a list; hostile Markdown is inert", async ({ page, context, signedIn: user, sql }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const errors = watchConsole(page);
  fake().script(() => ({ text: RICH, chunks: RICH.match(/[\s\S]{1,12}/g)! }));
  await roomWith(page, sql, user.id, [{ key: "writer", name: "Writer", role: "You write." }]);
  await send(page, "Show me everything.");

  const turn = page.getByTestId("turn").last();
  await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
  const reply = turn.getByRole("article", { name: /^Writer @writer/ });

  // The table, the list and the highlighted code block.
  const table = reply.getByRole("table");
  await expect(table.getByRole("columnheader")).toHaveText(["Fruit", "Qty"]);
  await expect(table.getByRole("row")).toHaveCount(3);
  await expect(reply.getByRole("list").first().getByRole("listitem")).toHaveText(["first item", "second item", "third item"]);
  const code = reply.locator(".md-code");
  await expect(code.locator(".md-code-lang")).toHaveText("python");
  await expect(code.locator("code.hljs .hljs-keyword").first()).toHaveText("def");
  await expect(code.locator("code")).toHaveText(CODE + "\n");

  // Copy puts exactly the code on the clipboard, and says so.
  await code.getByRole("button", { name: "Copy python" }).click();
  await expect(code.getByRole("button")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(CODE);

  // Inert: the script and raw HTML are text, the bad links have no href, nothing ran.
  await expect(reply).toContainText("<script>window.__pwned = \"script\"</script>");
  await expect(reply).toContainText("<b>raw bold</b>");
  await expect(reply.locator("script, img, iframe, b")).toHaveCount(0);
  await expect(page.locator('a[href^="javascript:"], a[href^="data:"]')).toHaveCount(0);
  await reply.getByText("click me").click();
  await reply.getByText("data link").click();
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  const safe = reply.getByRole("link", { name: "safe link" });
  await expect(safe).toHaveAttribute("href", "https://example.com/docs");
  await expect(safe).toHaveAttribute("target", "_blank");
  await expect(safe).toHaveAttribute("rel", "noopener noreferrer");

  // Copy the whole answer as Markdown.
  await reply.getByRole("button", { name: "Copy Writer's answer as Markdown" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(RICH);

  expect(await axeViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test("retry of a failed step, clicked twice, makes one turn that runs only that agent", async ({ page, signedIn: user, sql }) => {
  const errors = watchConsole(page);
  let flakyCalls = 0;
  fake().script((request) => {
    // The system message starts with the agent's own role prompt (the roster lines after it name the others).
    if (request.system.startsWith("You are flaky.")) {
      flakyCalls++;
      return flakyCalls === 1 ? { status: 400, message: "the fake lab refused once" } : "Flaky answers now.";
    }
    return "Steady answers.";
  });
  await roomWith(page, sql, user.id, [
    { key: "steady", name: "Steady", role: "You are steady." },
    { key: "flaky", name: "Flaky", role: "You are flaky." },
  ]);
  await send(page, "Both of you, please.");
  const first = page.getByTestId("turn").nth(0);
  await expect(first.getByTestId("turn-status")).toHaveText("Partial");
  const failed = first.getByRole("article", { name: /^Flaky @flaky/ });
  await expect(failed).toHaveAttribute("data-status", "failed");
  // Only the failed agent step offers Retry.
  await expect(first.getByTestId("retry-step")).toHaveCount(1);

  const requestsBefore = fake().requests.length;
  await failed.getByRole("button", { name: "Retry @flaky" }).dblclick();
  await expect(page.getByTestId("turn")).toHaveCount(2);
  const retry = page.getByTestId("turn").nth(1);
  await expect(retry.getByTestId("turn-status")).toHaveText("Completed");
  await expect(retry.getByTestId("repeat-note")).toContainText("Retry of @flaky in turn 1");
  await expect(retry.getByTestId("step-message")).toHaveCount(1);
  await expect(retry.getByRole("article", { name: /^Flaky @flaky/ })).toContainText("Flaky answers now.");
  expect(fake().requests.length - requestsBefore).toBe(1);
  const rows = await sql<{ action: string; n: string }>("SELECT action::text, count(*)::text AS n FROM turns WHERE user_id = $1 GROUP BY action ORDER BY action::text", [user.id]);
  expect(rows).toEqual([
    { action: "retry", n: "1" },
    { action: "send", n: "1" },
  ]);
  // Retried: the first turn's Retry is gone.
  await expect(first.getByTestId("retry-step")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("edit and resend, then regenerate, each clicked twice: one turn each; the old message is marked edited", async ({ page, signedIn: user, sql }) => {
  const errors = watchConsole(page);
  fake().script((request) => `You said: ${String(request.conversation.at(-1)?.content ?? "").slice(-40)}`);
  await roomWith(page, sql, user.id, [{ key: "echo", name: "Echo", role: "You echo." }]);
  await send(page, "Question one");
  const first = page.getByTestId("turn").nth(0);
  await expect(first.getByTestId("turn-status")).toHaveText("Completed");

  await first.getByTestId("edit-message").click();
  const editor = first.getByRole("textbox", { name: "Edit your message" });
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue("Question one");
  // Escape cancels and gives the focus back.
  await editor.press("Escape");
  await expect(editor).toHaveCount(0);
  await expect(first.getByTestId("edit-message")).toBeFocused();
  await first.getByTestId("edit-message").click();
  await editor.fill("Question two");
  await editor.press("Enter");
  await page.keyboard.press("Enter"); // a second Enter at once, while the first is being sent
  await expect(page.getByTestId("turn")).toHaveCount(2);
  const second = page.getByTestId("turn").nth(1);
  await expect(second.getByRole("article", { name: "Your message" })).toContainText("Question two");
  await expect(second.getByTestId("turn-status")).toHaveText("Completed");
  await expect(first.getByTestId("edited-badge")).toHaveText("Edited · resent as turn 2");
  await expect(first.getByTestId("edit-message")).toHaveCount(0);

  await second.getByTestId("regenerate").dblclick();
  await expect(page.getByTestId("turn")).toHaveCount(3);
  const third = page.getByTestId("turn").nth(2);
  await expect(third.getByTestId("repeat-note")).toContainText("Regenerated answer to turn 2");
  await expect(third.getByTestId("turn-status")).toHaveText("Completed");
  await expect(second.getByTestId("regenerate")).toHaveCount(0);
  const rows = await sql<{ action: string; n: string }>("SELECT action::text, count(*)::text AS n FROM turns WHERE user_id = $1 GROUP BY action ORDER BY action::text", [user.id]);
  expect(rows).toEqual([
    { action: "edit", n: "1" },
    { action: "regenerate", n: "1" },
    { action: "send", n: "1" },
  ]);
  expect(await axeViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test("a #m-<seq> link loads older pages until the message is there; older turns load on scroll; Jump to latest during a turn", async ({ page, signedIn: user, sql }) => {
  const errors = watchConsole(page);
  const roomId = await roomWith(page, sql, user.id, [{ key: "echo", name: "Echo", role: "You echo." }]);
  const sessionId = await seedLongSession(sql, user.id, roomId, {
    turns: 60,
    agent: { key: "echo", name: "Echo" },
    question: "Question number {n}",
    answer: "Answer **{n}**, with a list:\n\n- one\n- two\n\n```js\nconst n = {n};\n```",
  });

  // Turn 3's question is seq 5: three pages back.
  await page.goto(`/rooms/${roomId}?s=${sessionId}#m-5`);
  const target = page.locator("#m-5");
  await expect(target).toContainText("Question number 3");
  await expect(target).toBeFocused();
  await expect(target).toBeInViewport();
  // Its answer has its anchor too.
  await expect(page.locator("#m-6")).toContainText("Answer 3");

  // Without a hash: the newest page at the bottom, older ones as the reader scrolls up.
  await page.goto(`/rooms/${roomId}?s=${sessionId}`);
  const timeline = page.getByTestId("timeline");
  await expect(page.getByTestId("turn").last()).toContainText("Question number 60");
  await expect(page.getByTestId("turn").last()).toBeInViewport();
  await expect(page.getByTestId("turn")).toHaveCount(20);
  const newestShown = page.getByTestId("turn").first();
  await expect(newestShown).toContainText("Question number 41");
  await timeline.evaluate((el) => (el.scrollTop = 0));
  await expect(page.getByTestId("turn")).toHaveCount(40);
  // The reader stays where they were: turn 41 has not jumped away (older turns went above it).
  await expect(page.getByTestId("turn").filter({ hasText: "Question number 41" })).toBeInViewport();

  // During a turn, scrolled up: "Jump to latest" brings the streaming answer back into view.
  fake().script(() => ({ hang: true, partial: "Thinking it over…" }));
  await send(page, "One more question");
  const live = page.getByTestId("turn").last();
  await expect(live.getByTestId("writing")).toBeVisible();
  await expect(live).toContainText("Thinking it over…");
  const jump = page.getByRole("button", { name: "Jump to latest" });
  await expect(jump).toHaveCount(0);
  await timeline.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  await expect(jump).toBeVisible();
  await jump.click();
  await expect(jump).toHaveCount(0);
  await expect(live.getByTestId("writing")).toBeInViewport();
  await page.getByRole("button", { name: "Cancel turn" }).click();
  await expect(live.getByTestId("turn-status")).toHaveText("Cancelled");
  expect(errors).toEqual([]);
});
