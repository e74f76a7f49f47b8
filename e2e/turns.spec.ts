/**
 * Turns in the browser, on the offline model (it streams a token every ~30 ms, so a reply takes a
 * couple of seconds): the live timeline in roundtable and orchestrator modes, cancel, a reload in
 * the middle of a turn, manual mode's @key completion on a phone screen, the details drawer, and
 * direct chat. Every wait is an auto-waiting expectation.
 */
import type { Page } from "@playwright/test";
import { send } from "./chat.ts";
import { expect, test } from "./fixtures.ts";
import { roomFromTemplate } from "./rooms.ts";

const stepMessage = (turn: ReturnType<Page["getByTestId"]>, name: string) => turn.getByRole("article", { name: new RegExp(`^${name} @`) });

test("roundtable: the agents answer in roster order, streaming, and the turn completes", async ({ page, signedIn: _user }) => {
  await roomFromTemplate(page, "Product launch");
  await page.getByRole("radio", { name: /Roundtable/ }).check();
  // The header's compact control: Roundtable is chosen and pending, Orchestrator still the current mode.
  await expect(page.getByTestId("mode-status")).toHaveText("Roundtable applies on next send");
  await expect(page.getByRole("radio", { name: /Roundtable/ })).toBeChecked();
  await expect(page.getByRole("radio", { name: "Orchestrator (current)" })).toBeVisible();

  await send(page, "How should we launch the beta?");
  const turn = page.getByTestId("turn").last();
  await expect(turn.getByRole("heading", { name: /^Turn 1/ })).toContainText("Roundtable");
  await expect(turn.getByRole("article", { name: "Your message" })).toContainText("How should we launch the beta?");
  // The pending mode was applied by this send: nothing is pending any more, and Roundtable is the current mode.
  await expect(page.getByTestId("mode-status")).toHaveText("A change applies on next send");
  await expect(page.getByRole("radio", { name: "Roundtable" })).toBeChecked();
  await expect(page.getByRole("radio", { name: /\(current\)/ })).toHaveCount(0);
  // While it runs: no second send, and a Cancel button.
  await expect(page.getByTestId("send-block-reason")).toHaveText(/A turn is running/);
  await expect(page.getByRole("button", { name: "Cancel turn" })).toBeVisible();

  // Each agent writes in turn: when the next one is writing, the one before has finished.
  const [strategist, marketer, engineer] = ["Strategist", "Marketer", "Engineer"].map((name) => stepMessage(turn, name));
  await expect(strategist!).toHaveAttribute("aria-busy", "true");
  await expect(strategist!.getByTestId("writing")).toHaveText("writing…");
  await expect(strategist!).toContainText("local · Roundtable");
  await expect(marketer!).toHaveAttribute("aria-busy", "true");
  await expect(strategist!).toHaveAttribute("aria-busy", "false");
  await expect(strategist!.getByTestId("writing")).toHaveCount(0);
  await expect(engineer!).toHaveAttribute("aria-busy", "true");
  await expect(marketer!).toHaveAttribute("aria-busy", "false");

  await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
  await expect(turn.getByTestId("step-message").locator("header strong")).toHaveText(["Strategist", "Marketer", "Engineer"]);
  await expect(turn.getByTestId("writing")).toHaveCount(0);
  // The later agents saw the earlier answers (the offline model says so).
  await expect(engineer!).toContainText("earlier answers");
  await expect(page.getByTestId("announcer")).toHaveText("The turn is complete.");
  await expect(page.getByRole("button", { name: "Cancel turn" })).toHaveCount(0);
  await expect(page.getByTestId("send-block-reason")).toHaveCount(0);
});

test("orchestrator: routing by round, the synthesis as its own message, and the details drawer", async ({ page, signedIn: _user }) => {
  await roomFromTemplate(page, "Product launch");
  // Nothing pending: the checked mode is the current one.
  await expect(page.getByTestId("mode-status")).toHaveText("A change applies on next send");
  await expect(page.getByRole("radio", { name: "Orchestrator" })).toBeChecked();
  await send(page, "Plan the launch timeline and the risks.");

  const turn = page.getByTestId("turn").last();
  await expect(turn.getByRole("heading", { name: "Round 1" })).toBeVisible();
  await expect(turn.getByTestId("route-note").first()).toContainText(/Manager routed to @(strategist|marketer|engineer)/);
  const synthesis = turn.getByTestId("synthesis-message");
  await expect(synthesis).toBeVisible();
  await expect(synthesis.locator("header")).toContainText("Synthesis");
  await expect(synthesis.locator("header")).toContainText("Orchestrator");
  await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
  await expect(synthesis).toHaveAttribute("aria-busy", "false");
  // The synthesis comes after every round, and every routed agent answered.
  await expect(turn.getByRole("article").last()).toHaveAttribute("data-testid", "synthesis-message");
  await expect(turn.getByText(/^Completed in \d+\.\d s\.$/)).toBeVisible();
  const routed = (await turn.getByTestId("route-note").allTextContents()).flatMap((t) => [...t.matchAll(/@([a-z-]+)/g)].map((m) => m[1]!));
  expect(routed.length).toBeGreaterThan(0);
  for (const key of routed) await expect(turn.getByRole("article", { name: new RegExp(`@${key}\\b`) }).first()).toBeVisible();

  // The details drawer: every step with its numbers; Escape closes it and focus goes back.
  const opener = turn.getByRole("button", { name: "Details of turn 1" });
  await opener.click();
  const drawer = page.getByRole("dialog", { name: "Turn 1 details" });
  await expect(drawer).toBeVisible();
  const rows = drawer.getByRole("row");
  await expect(rows.first()).toContainText("Tokens in");
  await expect(drawer.getByRole("cell", { name: "Routing" }).first()).toBeVisible();
  await expect(drawer.getByRole("cell", { name: "Synthesis" }).first()).toBeVisible();
  await expect(drawer.getByRole("cell", { name: "Done" }).first()).toBeVisible();
  await expect(drawer.getByRole("columnheader", { name: "Credits" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();
  await expect(opener).toBeFocused();
});

test("cancel a running turn", async ({ page, signedIn: _user }) => {
  await roomFromTemplate(page, "Code review");
  await send(page, "Review this function for bugs, please.");
  const turn = page.getByTestId("turn").last();
  await expect(stepMessage(turn, "Code reviewer")).toHaveAttribute("aria-busy", "true");
  await page.getByRole("button", { name: "Cancel turn" }).click();
  await expect(turn.getByTestId("turn-status")).toHaveText("Cancelled");
  await expect(turn.getByText("Cancelled. What was written before the cancel is kept.")).toBeVisible();
  await expect(turn.getByTestId("writing")).toHaveCount(0);
  // The second reviewer never ran to completion.
  await expect(stepMessage(turn, "Security reviewer").and(page.locator('[data-status="succeeded"]'))).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Cancel turn" })).toHaveCount(0);
  // It stays cancelled after a reload, and the room takes the next message.
  await page.reload();
  await expect(page.getByTestId("turn").last().getByTestId("turn-status")).toHaveText("Cancelled");
  await send(page, "Second try.");
  await expect(page.getByTestId("turn").last().getByTestId("turn-status")).toHaveText("Completed");
});

test("a reload in the middle of a turn shows the progress so far and keeps following", async ({ page, signedIn: _user }) => {
  await roomFromTemplate(page, "Code review");
  await send(page, "Is this SQL query safe?");
  let turn = page.getByTestId("turn").last();
  const first = stepMessage(turn, "Code reviewer");
  await expect(first).toHaveAttribute("aria-busy", "true");
  await expect(first.locator(".msg-body")).toBeVisible();
  const sofar = (await first.locator(".msg-body").textContent())!;
  expect(sofar.length).toBeGreaterThan(0);

  await page.reload();
  turn = page.getByTestId("turn").last();
  // The text streamed before the reload is there again (replayed), and the turn goes on. (Markdown
  // cut mid-stream shows a bold's opening `**` as text until the closing one arrives.)
  await expect(stepMessage(turn, "Code reviewer").locator(".msg-body")).toContainText(sofar.replace(/[*_]/g, "").trim());
  await expect(stepMessage(turn, "Security reviewer")).toHaveAttribute("aria-busy", "true");
  await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
  await expect(turn.getByTestId("step-message")).toHaveCount(2);
  await expect(turn.getByTestId("step-message").locator(".msg-body")).toHaveText([/Offline model/, /Offline model/]);
  await expect(page.getByTestId("announcer")).toHaveText("The turn is complete.");
});

test("manual mode on a phone: @key completion, the send rule, and no sideways scrolling", async ({ page, signedIn: _user }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await roomFromTemplate(page, "Writing desk");
  const box = page.getByRole("textbox", { name: "Message" });
  const sendButton = page.getByRole("button", { name: "Send" });

  await box.fill("Please tighten this intro");
  await expect(sendButton).toBeDisabled();
  await expect(page.getByTestId("send-block-reason")).toHaveText("Manual mode: tag at least one agent, like @editor.");

  // "@" lists the roster; arrows move; Escape closes.
  await box.pressSequentially(" @");
  const list = page.getByRole("listbox", { name: "Agents on the roster" });
  await expect(box).toHaveAttribute("aria-autocomplete", "list");
  await expect(box).toHaveAttribute("aria-controls", (await list.getAttribute("id"))!);
  await expect(list.getByRole("option")).toHaveText(["@editor Editor", "@fact-checker Fact-checker"]);
  await expect(list.getByRole("option", { name: /editor Editor/ })).toHaveAttribute("aria-selected", "true");
  await box.press("ArrowDown");
  await expect(list.getByRole("option", { name: /fact-checker/ })).toHaveAttribute("aria-selected", "true");
  await expect(box).toHaveAttribute("aria-activedescendant", /agent-fact-checker$/);
  await box.press("Escape");
  await expect(box).not.toHaveAttribute("aria-controls");
  await expect(box).not.toHaveAttribute("aria-activedescendant");
  await expect(list).toBeHidden();

  // A new tag opens it again; a prefix filters; Enter picks.
  await box.press("Backspace");
  await box.pressSequentially("@ed");
  await expect(list.getByRole("option")).toHaveText(["@editor Editor"]);
  await box.press("Enter");
  await expect(box).toHaveValue("Please tighten this intro @editor ");
  await expect(list).toBeHidden();
  await expect(page.getByTestId("send-block-reason")).toHaveCount(0);
  await expect(sendButton).toBeEnabled();
  await expect(sendButton).toBeInViewport();

  await box.press("Enter");
  const turn = page.getByTestId("turn").last();
  await expect(turn.getByRole("heading", { name: /^Turn 1/ })).toContainText("Manual");
  await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
  await expect(turn.getByTestId("step-message").locator("header strong")).toHaveText(["Editor"]);

  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // The drawer fits the phone too.
  await turn.getByRole("button", { name: "Details of turn 1" }).click();
  const drawer = page.getByRole("dialog", { name: "Turn 1 details" });
  await expect(drawer.getByRole("cell", { name: /Editor \(@editor\)/ })).toBeVisible();
  expect(await drawer.evaluate((d) => d.scrollWidth - d.clientWidth)).toBeLessThanOrEqual(0);
  await drawer.getByRole("button", { name: "Close" }).click();
  await expect(drawer).toBeHidden();
  await expect(turn.getByRole("button", { name: "Details of turn 1" })).toBeFocused();
});

test("direct chat with one agent from the library", async ({ page, signedIn: _user }) => {
  await page.goto("/agents");
  await page.getByLabel("Name").first().fill("Muse");
  await page.getByLabel("@key").first().fill("muse");
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.getByRole("link", { name: "Chat with Muse" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Chat with Muse" })).toBeVisible();
  await expect(page.getByText("Send a message to start a chat with Muse.")).toBeVisible();

  await send(page, "Give me an opening line.");
  const turn = page.getByTestId("turn").last();
  await expect(turn.getByRole("heading", { name: /^Turn 1/ })).toContainText("Direct chat");
  await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
  await expect(stepMessage(turn, "Muse")).toContainText("Offline model");
  // The first send started a session: it is in the URL, and the sidebar marks it as the one shown.
  await expect(page).toHaveURL(/\/agents\/[0-9a-f-]{36}\/chat\?s=[0-9a-f-]{36}$/);
  const firstId = new URL(page.url()).searchParams.get("s")!;
  const sidebar = page.getByRole("complementary", { name: "Sidebar" });
  const sessionLink = (id: string) => sidebar.locator(`a[href$="?s=${id}"]`);
  await expect(sessionLink(firstId)).toHaveAttribute("aria-current", "page");

  // A second session starts empty; the first keeps its turn.
  await page.getByRole("button", { name: "New session" }).click();
  await expect(page).toHaveURL((url) => !!url.searchParams.get("s") && url.searchParams.get("s") !== firstId);
  const secondId = new URL(page.url()).searchParams.get("s")!;
  await expect(sessionLink(secondId)).toHaveAttribute("aria-current", "page");
  await expect(sessionLink(firstId)).not.toHaveAttribute("aria-current");
  await expect(page.getByText("No messages yet. Say hello to Muse.")).toBeVisible();
  await expect(page.getByTestId("turn")).toHaveCount(0);
  await sessionLink(firstId).click();
  await expect(page).toHaveURL(new RegExp(`\\?s=${firstId}$`));
  await expect(sessionLink(firstId)).toHaveAttribute("aria-current", "page");
  await expect(page.getByTestId("turn")).toHaveCount(1);
});

test("a send whose answer was lost is sent again with the same request id: one turn, not two", async ({ page, signedIn: _user, expectConsoleErrors }) => {
  // The aborted send below is logged by Chromium as a failed resource load: that one is this test's doing.
  expectConsoleErrors(/^Failed to load resource: net::ERR_CONNECTION_RESET \(https?:\/\/[^/]+\/api\/trpc\/turns\.send\?batch=1\)$/);
  await roomFromTemplate(page, "Writing desk");
  // The server gets the first send and creates the turn, but the browser never hears back.
  let lost = false;
  await page.route("**/api/trpc/turns.send*", async (route) => {
    if (lost) return route.continue();
    lost = true;
    await route.fetch();
    await route.abort("connectionreset");
  });
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("@editor Shorten the first paragraph.");
  await box.press("Enter");
  await expect(page.getByTestId("send-error")).toContainText("network error");
  await expect(box).toHaveValue("@editor Shorten the first paragraph.");
  // The stream shows the turn anyway; once it is done, Send again returns the same turn.
  const turn = page.getByTestId("turn").last();
  await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(box).toHaveValue("");
  await expect(page.getByTestId("send-error")).toHaveCount(0);
  await expect(page.getByTestId("turn")).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId("turn")).toHaveCount(1);
});

test("a rate-limited send says when to try again", async ({ page, signedIn: _user, appSetting }) => {
  await appSetting("turns.rate_limit_per_minute", 1);
  await roomFromTemplate(page, "Writing desk");
  await send(page, "@editor One.");
  await expect(page.getByTestId("turn").last().getByTestId("turn-status")).toHaveText("Completed");
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("@editor Two.");
  await box.press("Enter");
  await expect(page.getByTestId("send-error")).toHaveText(/^Too many turns — try again in \d+ seconds?\.$/);
  await expect(box).toHaveValue("@editor Two.");
  await expect(page.getByTestId("turn")).toHaveCount(1);
});
