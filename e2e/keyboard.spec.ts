/**
 * Keyboard only, as someone without a mouse would: sign in by magic link, create a room from a
 * template, send a message (the composer has focus when the room opens), open the turn-details
 * drawer and the phone menu drawer and close them with Escape, and retry a failed step. No click.
 */
import type { Locator, Page } from "@playwright/test";
import { fakeOpenAIForThisFile } from "./fake-provider.ts";
import { expect, removeUser, test } from "./fixtures.ts";
import { roomReady } from "./rooms.ts";

const fake = fakeOpenAIForThisFile();

/** Presses Tab until `target` has focus (at most `max` times): how a keyboard user gets somewhere. */
async function tabTo(page: Page, target: Locator, max = 80) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press("Tab");
  }
  await expect(target).toBeFocused();
}

test("sign in, create a room from a template, send, open the drawers and retry a failed step, with the keyboard only", async ({ page, sql, openRouterAt }) => {
  const email = `keys-${Date.now()}@example.com`;
  let userId: string | null = null;
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto("/signin");
    await tabTo(page, page.getByLabel("E-mail"));
    await page.keyboard.type(email);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: "Check your e-mail" })).toBeVisible();
    await expect(page.getByRole("link", { name: "development outbox" })).toBeVisible();
    await tabTo(page, page.getByRole("link", { name: "development outbox" }));
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: "Development outbox" })).toBeVisible();
    await tabTo(page, page.getByRole("link", { name: `Sign in as ${email}` }).first());
    await page.keyboard.press("Enter");
    // A new user lands on their rooms.
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "Rooms" })).toBeVisible();
    userId = (await sql<{ id: string }>("SELECT id FROM users WHERE email = $1", [email]))[0]!.id;

    // Not roomFromTemplate (rooms.ts): that one clicks, and this spec reaches the button with Tab.
    await tabTo(page, page.getByRole("button", { name: "Create a room from the Code review template" }));
    await page.keyboard.press("Enter");
    await roomReady(page, "Code review");
    const roomId = /\/rooms\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    // One reviewer answers through a provider that refuses its first call (the fake lab). Only
    // now, with the room made: a template gives its agents the best model available, and that
    // must stay the offline one for the other reviewer.
    await openRouterAt(fake().baseURL);
    let calls = 0;
    fake().script(() => (++calls === 1 ? { status: 400, message: "the fake lab refused once" } : "Looks safe now."));
    await sql("UPDATE agents SET model_alias = 'llama' WHERE user_id = $1 AND key = 'security-reviewer'", [userId]);
    await page.reload();

    // The composer has focus when the room opens.
    const box = page.getByRole("textbox", { name: "Message" });
    await expect(box).toBeFocused();
    await page.keyboard.type("Please review: eval(userInput)");
    await page.keyboard.press("Enter");
    await expect(box).toHaveValue("");
    const turn = page.getByTestId("turn").last();
    await expect(turn.getByTestId("turn-status")).toHaveText("Partial", { timeout: 40_000 });

    // The turn-details drawer: opened with Enter, closed with Escape, focus back on its button.
    const details = page.getByRole("button", { name: "Details of turn 1" });
    await tabTo(page, details);
    await page.keyboard.press("Enter");
    const drawer = page.getByRole("dialog", { name: "Turn 1 details" });
    await expect(drawer).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(drawer).toBeHidden();
    await expect(details).toBeFocused();

    // Retry the failed step.
    const retry = turn.getByRole("button", { name: "Retry @security-reviewer" });
    await tabTo(page, retry, 120);
    await page.keyboard.press("Enter");
    const again = page.getByTestId("turn").last();
    await expect(again.getByTestId("turn-status")).toHaveText("Completed", { timeout: 40_000 });
    await expect(again.getByRole("article", { name: /^Security reviewer @security-reviewer/ })).toContainText("Looks safe now.");

    // `/` goes back to the composer; on a phone the menu drawer opens and closes with the keyboard.
    await tabTo(page, page.getByRole("link", { name: "Room setup" }), 120);
    await page.keyboard.press("/");
    await expect(box).toBeFocused();
    await page.setViewportSize({ width: 375, height: 812 });
    const menu = page.getByRole("button", { name: "Open menu" });
    await page.keyboard.press("Shift+Tab");
    await tabTo(page, menu, 120);
    await page.keyboard.press("Enter");
    const nav = page.getByRole("dialog", { name: "Menu" });
    await expect(nav).toBeVisible();
    await expect(nav.locator(`a[href="/rooms/${roomId}"]`)).toHaveAttribute("aria-current", "true");
    await page.keyboard.press("Escape");
    await expect(nav).toBeHidden();
    await expect(menu).toBeFocused();
  } finally {
    // Signed in by magic link, not by the signedIn fixture: removed the same way.
    if (userId) await removeUser(sql, userId);
  }
});
