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
