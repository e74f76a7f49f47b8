/**
 * The conversation pane in the browser: answers from an OpenAI-compatible provider (a fake server
 * started here, behind the real gateway) render as Markdown — a table, a highlighted code block
 * whose Copy button puts the code on the clipboard, a list — and hostile Markdown (a <script>, raw
 * HTML, javascript: and data: links) renders inert. Message actions: retry a failed step,
 * edit and resend, regenerate, each clicked twice, make exactly one turn. A `#m-<seq>` link loads
 * older pages until the message is there. No console error, no serious axe violation.
 */
import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { startFakeOpenAI, type FakeOpenAI, type FakeRequest } from "../src/test/fake-openai.ts";
import { axeViolations } from "./axe.ts";
import { send } from "./chat.ts";
import { expect, test } from "./fixtures.ts";

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

type Sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

let fake: FakeOpenAI;
let script: (request: FakeRequest) => ReturnType<Parameters<FakeOpenAI["script"]>[0]>;
test.beforeAll(async () => {
  fake = await startFakeOpenAI((request) => script(request));
});
test.afterAll(async () => {
  await fake?.close();
});

/**
 * Points the built-in OpenRouter provider (disabled, with a priced `llama` alias) at the fake server
 * for one test. Its key is read from an environment variable the e2e server is known to have (the
 * fake accepts any key), so no key has to be sealed with the server's encryption key here.
 */
test.beforeEach(async ({ sql }) => {
  script = () => "ok";
  await sql("UPDATE llm_providers SET base_url = $1, enabled = true, api_key_env = 'PANTHEON_E2E_PORT', updated_at = now() WHERE key = 'openrouter'", [fake.baseURL]);
});
test.afterEach(async ({ sql }) => {
  await sql("UPDATE llm_providers SET base_url = 'https://openrouter.ai/api/v1', enabled = false, api_key_env = NULL, updated_at = now() WHERE key = 'openrouter'");
});

/** A roundtable room of the user's with these agents (on the fake provider), opened. */
async function roomWith(page: Page, sql: Sql, userId: string, agents: { key: string; name: string; role: string }[]) {
  const roomId = randomUUID();
  await sql("INSERT INTO rooms (id, user_id, name, current_mode, updated_at) VALUES ($1, $2, 'Render room', 'roundtable', now())", [roomId, userId]);
  for (const [i, agent] of agents.entries()) {
    const id = randomUUID();
    await sql("INSERT INTO agents (id, user_id, key, name, model_alias, role_prompt, updated_at) VALUES ($1, $2, $3, $4, 'llama', $5, now())", [id, userId, agent.key, agent.name, agent.role]);
    await sql("INSERT INTO room_agents (room_id, agent_id, position) VALUES ($1, $2, $3)", [roomId, id, i + 1]);
  }
  await page.goto(`/rooms/${roomId}`);
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
  script = () => ({ text: RICH, chunks: RICH.match(/[\s\S]{1,12}/g)! });
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
  script = (request) => {
    // The system message starts with the agent's own role prompt (the roster lines after it name the others).
    if (request.system.startsWith("You are flaky.")) {
      flakyCalls++;
      return flakyCalls === 1 ? { status: 400, message: "the fake lab refused once" } : "Flaky answers now.";
    }
    return "Steady answers.";
  };
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

  const requestsBefore = fake.requests.length;
  await failed.getByRole("button", { name: "Retry @flaky" }).dblclick();
  await expect(page.getByTestId("turn")).toHaveCount(2);
  const retry = page.getByTestId("turn").nth(1);
  await expect(retry.getByTestId("turn-status")).toHaveText("Completed");
  await expect(retry.getByTestId("repeat-note")).toContainText("Retry of @flaky in turn 1");
  await expect(retry.getByTestId("step-message")).toHaveCount(1);
  await expect(retry.getByRole("article", { name: /^Flaky @flaky/ })).toContainText("Flaky answers now.");
  expect(fake.requests.length - requestsBefore).toBe(1);
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
  script = (request) => `You said: ${String(request.conversation.at(-1)?.content ?? "").slice(-40)}`;
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

/** A long session written straight into the database: `turns` completed turns of a question and one answer each. */
async function seedLongSession(sql: Sql, userId: string, roomId: string, turns: number) {
  const sessionId = randomUUID();
  const roster = JSON.stringify({ roster: [{ id: randomUUID(), key: "echo", name: "Echo", model: "llama", role: "" }], selected: ["echo"] });
  await sql("INSERT INTO sessions (id, user_id, room_id, last_seq, last_turn_index, updated_at) VALUES ($1, $2, $3, $4, $5, now())", [sessionId, userId, roomId, turns * 2, turns]);
  await sql(
    `INSERT INTO turns (id, session_id, user_id, index, mode, user_input, status, roster_snapshot, client_request_id, created_at, started_at, finished_at)
     SELECT gen_random_uuid(), $1::uuid, $2::uuid, i, 'roundtable', 'Question number ' || i, 'completed', $3::jsonb, 'seed-' || $1::text || '-' || i,
            now() - interval '1 day' + i * interval '1 second', now() - interval '1 day' + i * interval '1 second', now() - interval '1 day' + i * interval '1 second'
     FROM generate_series(1, $4::int) AS i`,
    [sessionId, userId, roster, turns],
  );
  await sql(
    `INSERT INTO turn_steps (id, turn_id, index, kind, agent_key, agent_name, model_alias, status, attempt, output, started_at, finished_at)
     SELECT gen_random_uuid(), t.id, 1, 'agent', 'echo', 'Echo', 'llama', 'succeeded', 1,
            E'Answer **' || t.index || E'**, with a list:\\n\\n- one\\n- two\\n\\n\`\`\`js\\nconst n = ' || t.index || E';\\n\`\`\`', t.created_at, t.created_at
     FROM turns t WHERE t.session_id = $1`,
    [sessionId],
  );
  await sql(
    `INSERT INTO messages (id, session_id, turn_id, step_id, seq, role, content, created_at)
     SELECT gen_random_uuid(), $1::uuid, t.id, NULL, t.index * 2 - 1, 'user'::message_role, t.user_input, t.created_at FROM turns t WHERE t.session_id = $1
     UNION ALL
     SELECT gen_random_uuid(), $1::uuid, t.id, s.id, t.index * 2, 'assistant'::message_role, s.output, t.created_at FROM turns t JOIN turn_steps s ON s.turn_id = t.id WHERE t.session_id = $1`,
    [sessionId],
  );
  return sessionId;
}

test("a #m-<seq> link loads older pages until the message is there; older turns load on scroll; Jump to latest during a turn", async ({ page, signedIn: user, sql }) => {
  const errors = watchConsole(page);
  const roomId = await roomWith(page, sql, user.id, [{ key: "echo", name: "Echo", role: "You echo." }]);
  const sessionId = await seedLongSession(sql, user.id, roomId, 60);

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
  script = () => ({ hang: true, partial: "Thinking it over…" });
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
