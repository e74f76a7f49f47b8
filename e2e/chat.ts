/** Browser steps several specs share in a conversation. */
import type { Page } from "@playwright/test";
import { expect } from "./fixtures.ts";

/** Types a message in the composer and sends it with Enter; the box empties once the send is accepted. */
export async function send(page: Page, text: string) {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await expect(page.getByRole("button", { name: "Send" })).toBeEnabled();
  await box.press("Enter");
  await expect(box).toHaveValue("");
}
