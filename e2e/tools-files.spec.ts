/**
 * Tools and files in the browser, on the offline model: an agent allowed to read files, a room with
 * it, a PDF uploaded in the files panel that becomes ready, a question naming the file answered
 * through a `file_read` call (its line in the timeline, live and after a reload, and in the details
 * drawer), a refused upload with its reason, why web search is unavailable in the agent editor, and
 * no serious or critical axe violation on the workspace with the files panel.
 */
import type { Page } from "@playwright/test";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { axeViolations } from "./axe.ts";
import { send } from "./chat.ts";
import { expect, test } from "./fixtures.ts";
import { roomFromTemplate, roomWithAgent } from "./rooms.ts";


const PRICING_SENTENCE = "The premium plan costs forty dollars per month and includes priority support.";

/** A one-page PDF with real text (Helvetica), as a word processor would export it. */
async function pricingPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const lines = [
    "Quarterly report for the launch team.",
    "Our customers are mostly small design studios in Europe.",
    PRICING_SENTENCE,
    "The hiring plan adds two engineers in the spring.",
  ];
  lines.forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 24, size: 12, font }));
  return Buffer.from(await doc.save());
}


/** The files panel lives in a drawer opened from the conversation header. */
async function openFiles(page: Page) {
  await page.getByRole("button", { name: "Files", exact: true }).click();
  const panel = page.getByRole("region", { name: "Files" });
  await expect(panel).toBeVisible();
  return panel;
}

async function closeFiles(page: Page) {
  await page.keyboard.press("Escape");
  await expect(page.getByRole("region", { name: "Files" })).toBeHidden();
}

test("a PDF uploaded to a room becomes ready, and an agent that may read files answers from it through file_read", async ({ page, signedIn: user, sql }) => {
  try {
    // An agent allowed to read files; web search is offered with why this server cannot run it.
    await page.goto("/agents");
    await page.getByLabel("Name").first().fill("Analyst");
    await page.getByLabel("@key").first().fill("analyst");
    const searchBox = page.getByRole("checkbox", { name: "Web search" }).first();
    await expect(searchBox).toHaveAccessibleDescription(/^Not available on this server: .+\. You can still allow it/);
    const readBox = page.getByRole("checkbox", { name: "Read room files" }).first();
    await expect(readBox).toHaveAccessibleDescription(/Searches and reads the files/);
    await readBox.check();
    // An unavailable tool can still be allowed: the agent gets it once the server can run it.
    await searchBox.check();
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect(page.getByRole("main").getByText("@analyst · local")).toBeVisible();
    await page.getByRole("button", { name: "Edit Analyst" }).click();
    // The edit form is in the list, which comes before the new-agent form.
    await expect(page.getByRole("checkbox", { name: "Web search" }).first()).toBeChecked();
    await expect(page.getByRole("checkbox", { name: "Read room files" }).first()).toBeChecked();
    await page.getByRole("button", { name: "Cancel" }).click();

    // A room with it, in roundtable mode (the one agent answers).
    await roomWithAgent(page, { name: "Launch docs", mode: "roundtable" }, { name: "Analyst", key: "analyst" });

    // Upload the PDF: a progress bar while it goes, then the file is read and becomes ready.
    const panel = await openFiles(page);
    await expect(panel.getByText("No files yet.")).toBeVisible();
    await expect(panel.getByTestId("files-storage")).toHaveText(/^0 bytes of 100 MB used$/);
    await panel.getByLabel("Choose files to upload").setInputFiles({ name: "pricing-report.pdf", mimeType: "application/pdf", buffer: await pricingPdf() });
    const file = panel.getByTestId("file-item").filter({ hasText: "pricing-report.pdf" });
    await expect(file.getByTestId("file-status")).toHaveAttribute("data-status", "ready");
    await expect(file.getByTestId("file-status")).toHaveText("Ready");
    await expect(file).toContainText("1 page");
    await expect(panel.getByTestId("files-storage")).toHaveText(/^[\d.]+ KB of 100 MB used$/);
    await expect(page.getByTestId("files-announcer")).toHaveText("pricing-report.pdf is ready.");

    // A fake PDF (an ELF executable's header under a .pdf name) is refused, with why.
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(512, 0)]);
    await panel.getByLabel("Choose files to upload").setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: elf });
    await expect(panel.getByTestId("upload-error")).toContainText("“invoice.pdf” was not uploaded: its content is not a type Pantheon can read.");
    await expect(panel.getByTestId("file-item")).toHaveCount(1);
    await panel.getByRole("button", { name: "Dismiss this message" }).click();
    await expect(panel.getByTestId("upload-error")).toHaveCount(0);

    // Ask about the file by name: the agent reads it (a tool line) and quotes the sentence.
    await closeFiles(page);
    await send(page, "What does pricing-report.pdf say the premium plan costs per month?");
    const turn = page.getByTestId("turn").last();
    const answer = turn.getByRole("article", { name: /^Analyst @analyst/ });
    const toolLine = answer.getByTestId("tool-call-line");
    await expect(toolLine).toHaveText("Read: pricing-report.pdf p. 1");
    await expect(turn.getByTestId("turn-status")).toHaveText("Completed");
    await expect(answer.locator(".msg-body")).toContainText(PRICING_SENTENCE);

    // The line opens on the call's facts.
    const lineButton = answer.getByRole("button", { name: /Read: pricing-report\.pdf p\. 1/ });
    await expect(lineButton).toHaveAttribute("aria-expanded", "false");
    await lineButton.press("Enter");
    await expect(lineButton).toHaveAttribute("aria-expanded", "true");
    const details = answer.getByTestId("tool-call").locator(".tool-call-details");
    await expect(details).toBeVisible();
    await expect(details).toContainText("Read a file");
    await expect(details).toContainText("Done");
    await expect(details).toContainText(/Latency\s*\d+(\.\d)? m?s/);

    // The same after a reload, from the turn list.
    await page.reload();
    const reloaded = page.getByTestId("turn").last().getByRole("article", { name: /^Analyst @analyst/ });
    await expect(reloaded.getByTestId("tool-call-line")).toHaveText("Read: pricing-report.pdf p. 1");
    await expect(reloaded.locator(".msg-body")).toContainText(PRICING_SENTENCE);

    // The details drawer lists the call with its status, latency and credits.
    await page.getByRole("button", { name: "Details of turn 1" }).click();
    const drawer = page.getByRole("dialog", { name: "Turn 1 details" });
    const row = drawer.getByTestId("tool-calls-table").locator("tbody tr");
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("Read a file");
    await expect(row).toContainText("Read: pricing-report.pdf p. 1");
    await expect(row).toContainText("Done");
    await drawer.getByRole("button", { name: "Close" }).click();

    // The rows behind it: one succeeded file_read call.
    const calls = await sql<{ tool: string; status: string }>("SELECT tool, status FROM tool_call_events WHERE user_id = $1", [user.id]);
    expect(calls).toEqual([{ tool: "file_read", status: "succeeded" }]);

    // Accessible, with a tool line opened, and with the files panel showing a refusal.
    await page.getByTestId("turn").last().getByRole("button", { name: /Read: pricing-report\.pdf/ }).click();
    expect(await axeViolations(page)).toEqual([]);
    await openFiles(page);
    await panel.getByLabel("Choose files to upload").setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: elf });
    await expect(panel.getByTestId("upload-error")).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);

    // Delete, after a confirmation.
    page.once("dialog", (dialog) => dialog.accept());
    await panel.getByRole("button", { name: "Delete pricing-report.pdf" }).click();
    await expect(panel.getByText("No files yet.")).toBeVisible();
  } finally {
    // Tool calls reference their user (RESTRICT); the fixture removes the rest.
    await sql("DELETE FROM tool_call_events WHERE user_id = $1", [user.id]);
  }
});

test("direct chat: a file uploaded before the first message starts a chat, and the agent reads it", async ({ page, signedIn: user, sql }) => {
  try {
    await page.goto("/agents");
    await page.getByLabel("Name").first().fill("Notetaker");
    await page.getByLabel("@key").first().fill("notetaker");
    await page.getByRole("checkbox", { name: "Read room files" }).first().check();
    await page.getByRole("button", { name: "Create agent" }).click();
    await page.getByRole("link", { name: "Chat with Notetaker" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Chat with Notetaker" })).toBeVisible();

    const panel = await openFiles(page);
    await expect(panel.getByText("No files yet. Uploading one starts a new chat.")).toBeVisible();
    await panel.getByLabel("Choose files to upload").setInputFiles({ name: "standup.txt", mimeType: "text/plain", buffer: Buffer.from("Standup notes.\nThe release moves to Friday because the audit is late.\nLunch is at noon.\n") });
    await expect(panel.getByTestId("file-item").getByTestId("file-status")).toHaveText("Ready");
    // The upload started a chat, and it is the one shown (in the URL and marked in the sidebar).
    await closeFiles(page);
    await expect(page).toHaveURL(/\?s=[0-9a-f-]{36}/);
    const sessionId = new URL(page.url()).searchParams.get("s");
    await expect(page.getByRole("complementary", { name: "Sidebar" }).locator(`a[href$="?s=${sessionId}"]`)).toHaveAttribute("aria-current", "page");

    await send(page, "What does standup.txt say about when the release moves?");
    const answer = page.getByTestId("turn").last().getByRole("article", { name: /^Notetaker @notetaker/ });
    await expect(answer.getByTestId("tool-call-line")).toHaveText(/^Read: standup\.txt/);
    await expect(answer.locator(".msg-body")).toContainText("The release moves to Friday because the audit is late.");
  } finally {
    await sql("DELETE FROM tool_call_events WHERE user_id = $1", [user.id]);
  }
});

test("the files panel on a phone: a drawer over the conversation, taking a dropped file", async ({ page, signedIn: user, sql }) => {
  try {
    await page.setViewportSize({ width: 375, height: 740 });
    await roomFromTemplate(page, "Code review");
    // The conversation fills the screen (the composer in view); the files open over it.
    await expect(page.getByRole("textbox", { name: "Message" })).toBeInViewport({ ratio: 1 });
    const panel = await openFiles(page);
    await expect(panel.getByRole("button", { name: "Upload files" })).toBeVisible();
    // Dropped on the panel (what a drag from the desktop delivers).
    const dataTransfer = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["# Notes\n\nShip on Friday.\n"], "notes.md", { type: "text/markdown" }));
      return transfer;
    });
    await panel.dispatchEvent("dragenter", { dataTransfer });
    await expect(panel).toHaveAttribute("data-dragging", "true");
    await panel.dispatchEvent("drop", { dataTransfer });
    await expect(panel).toHaveAttribute("data-dragging", "false");
    const file = panel.getByTestId("file-item");
    await expect(file).toContainText("notes.md");
    await expect(file.getByTestId("file-status")).toHaveText("Ready");
    // Nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
  } finally {
    await sql("DELETE FROM tool_call_events WHERE user_id = $1", [user.id]);
  }
});
