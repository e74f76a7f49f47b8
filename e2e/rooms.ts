/** Browser steps several specs share to open a room. */
import type { Page } from "@playwright/test";
import { expect } from "./fixtures.ts";

/**
 * Waits until the room `name` is open and ready to take a message: its own heading in the page's
 * main content, the mode control (the mode has loaded) and the composer (it renders once the
 * session's turns have loaded). Only the main content counts: the sidebar lists rooms and agents
 * by name, and the setup page's heading ("Set up <name>") contains the name too, so a looser wait
 * passes before the room is there. Returns the room's URL.
 */
export async function roomReady(page: Page, name: string): Promise<string> {
  await expect(page).toHaveURL(/\/rooms\/[0-9a-f-]{36}(\?|$)/);
  await expect(page.getByRole("main").getByRole("heading", { level: 1, name, exact: true })).toBeVisible();
  await expect(page.getByTestId("mode-status")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
  return page.url();
}

/** Creates a room from a template on the home page and waits until it is open; returns its URL. */
export async function roomFromTemplate(page: Page, template: string): Promise<string> {
  await page.goto("/");
  await page.getByRole("button", { name: `Create a room from the ${template} template` }).click();
  return roomReady(page, template);
}

/**
 * Creates a room on the New room page with one agent from the library on its roster (added on the
 * setup page), opens it and waits until it is ready; returns its URL.
 */
export async function roomWithAgent(page: Page, room: { name: string; mode?: "roundtable" | "orchestrator" | "manual" }, agent: { name: string; key: string }): Promise<string> {
  await page.goto("/rooms/new");
  await page.getByLabel("Name").fill(room.name);
  if (room.mode) await page.getByLabel("Mode").selectOption(room.mode);
  await page.getByRole("button", { name: "Create room" }).click();
  await expect(page.getByRole("main").getByRole("heading", { level: 1, name: `Set up ${room.name}`, exact: true })).toBeVisible();
  await page.getByLabel("Add an agent").selectOption({ label: `${agent.name} (@${agent.key})` });
  await page.getByRole("button", { name: "Add to roster" }).click();
  // Scoped to the roster: the sidebar's direct chats list the same agent by name.
  await expect(page.getByRole("list", { name: "Roster order" }).getByRole("listitem")).toContainText([`1. ${agent.name}`]);
  await page.getByRole("link", { name: "Open room" }).click();
  return roomReady(page, room.name);
}
