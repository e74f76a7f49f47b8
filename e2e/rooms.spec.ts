import { expect, test } from "./fixtures.ts";
import { roomFromTemplate, roomReady } from "./rooms.ts";

test("agents, a room with both, keyboard reorder, and a pending mode that persists", async ({ page, signedIn: _user }) => {
  // Two agents in the library.
  await page.goto("/agents");
  for (const [name, key] of [["Researcher", "researcher"], ["Devil's advocate", "devils-advocate"]] as const) {
    await page.getByLabel("Name").first().fill(name);
    await page.getByLabel("@key").first().fill(key);
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect(page.getByRole("main").getByText(`@${key} · local`)).toBeVisible();
  }

  // Field errors are shown at the field.
  await page.getByLabel("Name").first().fill("Copy");
  await page.getByLabel("@key").first().fill("researcher");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByText("You already have an agent @researcher.")).toBeVisible();

  // A room with both.
  await page.goto("/rooms/new");
  await page.getByLabel("Name").fill("Debate club");
  await page.getByRole("button", { name: "Create room" }).click();
  await expect(page.getByRole("heading", { name: "Set up Debate club" })).toBeVisible();
  // Scoped to the roster: the sidebar's direct chats list the same agents by name.
  const roster = page.getByRole("list", { name: "Roster order" }).getByRole("listitem");
  for (const [index, name] of ["Researcher", "Devil's advocate"].entries()) {
    await page.getByLabel("Add an agent").selectOption({ label: `${name} (@${name === "Researcher" ? "researcher" : "devils-advocate"})` });
    await page.getByRole("button", { name: "Add to roster" }).click();
    await expect(roster).toHaveCount(index + 1);
    await expect(roster.nth(index)).toContainText(name);
  }
  await expect(roster.nth(0)).toContainText("1. Researcher");
  await expect(roster.nth(1)).toContainText("2. Devil's advocate");

  // Reorder with the keyboard: focus the second agent, Alt+ArrowUp.
  await roster.nth(1).focus();
  await page.keyboard.press("Alt+ArrowUp");
  await expect(roster.nth(0)).toContainText("1. Devil's advocate");
  await expect(roster.nth(0)).toBeFocused();

  // Switch the mode: pending, "applies on next send".
  await page.getByRole("radio", { name: /Roundtable/ }).check();
  await expect(page.getByTestId("mode-status")).toHaveText("Current: Orchestrator. Roundtable is pending and applies on next send.");

  // Reload: both persisted.
  await page.reload();
  await expect(roster.nth(0)).toContainText("1. Devil's advocate");
  await expect(roster.nth(1)).toContainText("2. Researcher");
  await expect(page.getByTestId("mode-status")).toContainText("Roundtable is pending and applies on next send");
  await expect(page.getByRole("radio", { name: /Roundtable/ })).toBeChecked();

  // The workspace shows sessions and the same mode.
  await page.getByRole("link", { name: "Open room" }).click();
  await roomReady(page, "Debate club");
  await page.getByRole("button", { name: "New session" }).click();
  await expect(page.getByText("No messages in this session yet.")).toBeVisible();
  await expect(page.getByTestId("mode-status")).toContainText("applies on next send");

  // Delete the room, then restore it from the home page.
  await page.getByRole("link", { name: "Room setup" }).click();
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Delete room" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole("button", { name: "Restore Debate club" }).click();
  await expect(page.getByRole("main").getByRole("link", { name: "Debate club" })).toBeVisible();
});

test("a room or agent that does not exist, or is someone else's, says so (data.appCode not_found)", async ({ page, signedIn: _user }) => {
  const id = crypto.randomUUID();
  for (const path of [`/rooms/${id}`, `/rooms/${id}/setup`]) {
    await page.goto(path);
    await expect(page.getByText("This room does not exist, or is not yours.")).toBeVisible();
  }
  await page.goto(`/agents/${id}/chat`);
  await expect(page.getByText("This agent does not exist, or is not yours.")).toBeVisible();
});

test("the library and room pages fit a phone screen", async ({ page, signedIn: _user }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  const workspace = await roomFromTemplate(page, "Code review");
  for (const path of ["/", "/agents", workspace, `${workspace}/setup`]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.locator("main")).not.toContainText("Loading");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
});
