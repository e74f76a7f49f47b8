/**
 * The app shell in the browser: a room fills the screen on a laptop and a phone (composer in view
 * with no scrolling, the answer streaming in view), the sidebar collapses (remembered) and is a
 * drawer on a phone (keyboard, Escape), search across sessions jumps to the message in another
 * room, sessions are renamed, deleted with Undo and exported, unknown pages are a branded 404, tabs
 * carry the room's name, and no page has a serious or critical axe violation.
 */
import type { Page } from "@playwright/test";
import { axeViolations } from "./axe.ts";
import { send } from "./chat.ts";
import { expect, test } from "./fixtures.ts";
import { roomFromTemplate } from "./rooms.ts";

const sizes = [
  { name: "laptop", width: 1280, height: 800 },
  { name: "phone", width: 375, height: 812 },
] as const;

/** Neither the window nor the page area has scrolled. */
async function notScrolled(page: Page) {
  const offsets = await page.evaluate(() => ({ window: window.scrollY, main: document.getElementById("main")?.scrollTop ?? 0 }));
  expect(offsets).toEqual({ window: 0, main: 0 });
}

for (const size of sizes) {
  test(`on a ${size.name} a room opens with the composer in view, and the answer streams in view with no scrolling`, async ({ page, signedIn: _user }) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    await roomFromTemplate(page, "Code review");
    const box = page.getByRole("textbox", { name: "Message" });
    await expect(box).toBeInViewport({ ratio: 1 });
    await notScrolled(page);
    await expect(page).toHaveTitle("Code review · Pantheon");
    // The header says the mode applies on next send, and shows the roster.
    await expect(page.getByTestId("mode-status")).toContainText("applies on next send");
    // On a phone the roster is left to setup, to keep the header short.
    if (size.name === "laptop") await expect(page.getByRole("list", { name: "Roster" })).toContainText("@code-reviewer");

    await send(page, "Please review: function add(a, b) { return a - b }");
    const turn = page.getByTestId("turn").last();
    const answer = turn.getByRole("article", { name: /^Code reviewer @code-reviewer/ });
    await expect(answer).toBeInViewport();
    await expect(turn.getByTestId("turn-status")).toHaveText("Completed", { timeout: 40_000 });
    // The last answer and the composer are on screen; nothing scrolled but the timeline.
    await expect(turn.getByRole("article").last()).toBeInViewport();
    await expect(box).toBeInViewport({ ratio: 1 });
    await notScrolled(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
    // The session's automatic title reaches the sidebar by its session_title event, with no reload.
    if (size.name === "laptop") {
      const current = page.locator('.sidebar-sessions a[aria-current="page"] .sidebar-session-title');
      await expect(current).not.toHaveText("New chat");
      await expect(current).not.toBeEmpty();
    }
  });
}

test("the sidebar collapses and stays collapsed after a reload; on a phone it is a drawer that the keyboard opens and Escape closes", async ({ page, signedIn: _user }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const room = await roomFromTemplate(page, "Code review");
  const sidebar = page.getByRole("complementary", { name: "Sidebar" });
  const roomLink = `a[href="${new URL(room).pathname}"]`;
  // You are here: the room is marked in the sidebar.
  await expect(sidebar.locator(roomLink)).toHaveAttribute("aria-current", "true");
  await sidebar.getByRole("button", { name: "Hide sidebar" }).click();
  await expect(sidebar).toBeHidden();
  await page.reload();
  await expect(page.getByRole("button", { name: "Show sidebar" })).toBeVisible();
  await expect(sidebar).toBeHidden();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeInViewport({ ratio: 1 });
  await page.getByRole("button", { name: "Show sidebar" }).click();
  await expect(sidebar).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(room);
  await expect(sidebar).toBeHidden();
  // The conversation has loaded: the page is interactive (a key press before that would be lost).
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
  const menu = page.getByRole("button", { name: "Open menu" });
  await menu.focus();
  await page.keyboard.press("Enter");
  const drawer = page.getByRole("dialog", { name: "Menu" });
  await expect(drawer).toBeVisible();
  await expect(drawer.locator(roomLink)).toHaveAttribute("aria-current", "true");
  // Focus is inside the drawer and stays there.
  expect(await drawer.evaluate((el) => el.contains(document.activeElement))).toBe(true);
  for (let i = 0; i < 25; i++) await page.keyboard.press("Tab");
  expect(await drawer.evaluate((el) => el.contains(document.activeElement))).toBe(true);
  expect(await axeViolations(page)).toEqual([]);
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();
  await expect(menu).toBeFocused();

  // A link in the drawer goes there and closes it.
  await menu.click();
  await drawer.getByRole("link", { name: "Usage" }).click();
  await expect(page).toHaveURL(/\/usage$/);
  await expect(drawer).toBeHidden();
});

test("search finds a message in another room and opens its session at that message", async ({ page, signedIn: _user }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const first = await roomFromTemplate(page, "Writing desk");
  await send(page, "@editor the zanzibar paragraph needs a tighter opening");
  await expect(page.getByTestId("turn").last().getByTestId("turn-status")).toHaveText("Completed", { timeout: 40_000 });
  await roomFromTemplate(page, "Code review");

  // Ctrl+K puts the cursor in the search field.
  await page.keyboard.press("Control+k");
  const search = page.getByRole("searchbox", { name: "Search all sessions" });
  await expect(search).toBeFocused();
  await search.fill("zanzibar");
  const hit = page.getByRole("list", { name: "Results for zanzibar" }).getByRole("link").first();
  await expect(hit).toContainText("Writing desk");
  await expect(hit).toContainText("zanzibar");
  await expect(hit.locator("mark").first()).toHaveText(/zanzibar/i);
  await hit.click();
  await expect(page).toHaveURL(new RegExp(`^${first.replace(/[.?]/g, "\\$&")}\\?s=[0-9a-f-]{36}#m-\\d+$`));
  const anchor = new URL(page.url()).hash.slice(1);
  await expect(page.locator(`[id="${anchor}"]`)).toContainText("zanzibar");
  await expect(page.locator(`[id="${anchor}"]`)).toBeInViewport();
  expect(await axeViolations(page)).toEqual([]);
});

test("a session is renamed, deleted and brought back with Undo, and exported as Markdown and JSON", async ({ page, signedIn: _user }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await roomFromTemplate(page, "Writing desk");
  await send(page, "@editor tighten this: the quick brown fox");
  await expect(page.getByTestId("turn").last().getByTestId("turn-status")).toHaveText("Completed", { timeout: 40_000 });
  await expect(page).toHaveURL(/\?s=[0-9a-f-]{36}$/);
  const sessionId = new URL(page.url()).searchParams.get("s")!;
  const sidebarLink = page.getByRole("complementary", { name: "Sidebar" }).locator(`a[href$="?s=${sessionId}"]`);
  await expect(sidebarLink).toHaveAttribute("aria-current", "page");

  // Rename from the header's session actions.
  const actions = page.getByRole("button", { name: "Session actions" });
  await actions.click();
  await page.getByRole("button", { name: "Rename" }).click();
  const title = page.getByLabel("Session title");
  await expect(title).toBeFocused();
  await title.fill("Fox edits");
  await title.press("Enter");
  await expect(sidebarLink).toContainText("Fox edits");
  await expect(actions).toBeFocused();

  // Export: the downloads hold the conversation.
  await actions.click();
  const [markdown] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export as Markdown" }).click()]);
  expect(markdown.suggestedFilename()).toMatch(/\.md$/);
  const md = await streamText(await markdown.createReadStream());
  expect(md).toContain("Fox edits");
  expect(md).toContain("the quick brown fox");
  await actions.click();
  const [json] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export as JSON" }).click()]);
  expect(json.suggestedFilename()).toMatch(/\.json$/);
  const body = JSON.parse(await streamText(await json.createReadStream()));
  expect(JSON.stringify(body)).toContain("the quick brown fox");

  // Delete, then Undo from the toast.
  await actions.click();
  await page.getByRole("button", { name: "Delete session" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deleted “Fox edits”." })).toBeVisible();
  await expect(sidebarLink).toHaveCount(0);
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(sidebarLink).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("turn")).toHaveCount(1);
});

test("an unknown page is a branded 404 with a way home; the favicon loads; ? lists the shortcuts", async ({ page, signedIn: _user, expectConsoleErrors }) => {
  // The document's own 404 status is logged by the browser: that is this test's point.
  expectConsoleErrors(/status of 404 \(Not Found\) \(https?:\/\/[^/]+\/no-such-page\)/);
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await expect(page).toHaveTitle("Page not found · Pantheon");
  expect(await axeViolations(page)).toEqual([]);
  const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect((await page.request.get(icon!)).status()).toBe(200);

  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toBeVisible();
  await expect(help).toContainText("Search all sessions");
  await page.keyboard.press("Escape");
  await expect(help).toBeHidden();

  await page.getByRole("link", { name: "Back to your rooms" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Rooms" })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});

test("a room that is not there says so, with a way back; the pages a signed-in user sees pass axe", async ({ page, signedIn: _user }) => {
  await page.goto(`/rooms/${crypto.randomUUID()}`);
  await expect(page.getByRole("heading", { level: 1, name: "Room not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Back to your rooms" })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  for (const path of ["/", "/agents", "/rooms/new", "/account"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(await axeViolations(page), path).toEqual([]);
  }
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
