/**
 * Extraction in a real child process: text per page from a PDF, a DOCX's paragraphs, a CSV rendered
 * as readable rows; a damaged PDF, a timeout and a memory limit end in `ExtractionFailed` with a
 * reason, and the parent goes on.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { csvText, docxWith, pdfWithPages, truncated } from "@/test/file-fixtures.ts";
import { makeTempDir } from "@/test/temp-dir.ts";
import { extractText, ExtractionFailed } from "./extract-text.ts";
import { renderCsv } from "./extractors.ts";

const dir = makeTempDir("extract");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const limits = { timeoutMs: 30_000, memoryMb: 256 };

let n = 0;
function write(bytes: Buffer | string): string {
  const file = path.join(dir, `doc-${n++}`);
  fs.writeFileSync(file, bytes);
  return file;
}

describe("extractText", () => {
  it("reads a PDF page by page", async () => {
    const file = write(await pdfWithPages(["Alpha page about lighthouses", "Beta page about glaciers\nwith a second line", "Gamma page about volcanoes"]));
    const result = await extractText(file, "pdf", limits);
    expect(result.pages).toBe(3);
    expect(result.sections.map((s) => s.page)).toEqual([1, 2, 3]);
    expect(result.sections[1]!.text).toContain("glaciers");
    expect(result.sections[1]!.text).toContain("second line");
  });

  it("reads a DOCX's paragraphs, and CSV and text files", async () => {
    const docx = await extractText(write(docxWith(["First paragraph.", "Second paragraph about tariffs."])), "docx", limits);
    expect(docx.pages).toBeNull();
    expect(docx.sections[0]!.text).toMatch(/First paragraph\.\n+Second paragraph about tariffs\./);

    const csv = await extractText(write(csvText), "csv", limits);
    expect(csv.sections[0]!.text.split("\n")).toEqual([
      "Columns: city, country, population",
      "Row 1: city: Lisbon; country: Portugal; population: 545000",
      "Row 2: city: Reykjavik; country: Iceland; population: 139000",
      "Row 3: city: Wellington; country: New Zealand; population: 215000",
    ]);

    const txt = await extractText(write("\uFEFFWindows\r\nline ends\r\n"), "txt", limits);
    expect(txt.sections).toEqual([{ page: null, text: "Windows\nline ends\n" }]);
  });

  it("a truncated PDF fails with a clear reason", async () => {
    const file = write(truncated(await pdfWithPages(["One", "Two", "Three"]), 0.4));
    const error = await extractText(file, "pdf", limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionFailed);
    expect((error as Error).message).toMatch(/damaged or incomplete|could not be read/);
  });

  it("a DOCX that is not really one fails with a reason", async () => {
    const error = await extractText(write("PK\u0003\u0004 not a zip at all"), "docx", limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionFailed);
  });

  it("a reader that runs past the timeout is killed", async () => {
    const started = Date.now();
    const error = await extractText(write(await pdfWithPages(["slow"])), "pdf", { timeoutMs: 50, memoryMb: 256 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionFailed);
    expect((error as Error).message).toMatch(/took longer than/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a reader that needs more memory than allowed is stopped", async () => {
    // ~6 MB of CSV becomes far more as parsed rows: well past a 32 MB heap.
    const row = "alpha,beta,gamma,delta,epsilon,zeta,eta,theta\n";
    const error = await extractText(write(`a,b,c,d,e,f,g,h\n${row.repeat(130_000)}`), "csv", { timeoutMs: 30_000, memoryMb: 32 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractionFailed);
    expect((error as Error).message).toMatch(/memory|stopped unexpectedly/);
  });

  it("an abort (the worker stopping) kills the child and is not the file's fault", async () => {
    const controller = new AbortController();
    const pending = extractText(write(await pdfWithPages(["x"])), "pdf", limits, controller.signal);
    controller.abort(new Error("worker stopping"));
    const error = await pending.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ExtractionFailed);
    expect((error as Error).message).toBe("worker stopping");
  });
});

it("renderCsv keeps the header on every row and names blank columns", () => {
  expect(renderCsv("a,,c\n1,2,3\n")).toBe("Columns: a, column 2, c\nRow 1: a: 1; column 2: 2; c: 3");
  expect(renderCsv("")).toBe("");
});
