/** Type detection from the bytes, never the name: every kind Pantheon takes, and what it refuses. */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { isAppError } from "../errors.ts";
import { csvText, docxBomb, docxWith, elfBinary, exeBinary, markdownText, pdfWithPages, plainZip, png } from "@/test/file-fixtures.ts";
import { makeTempDir } from "@/test/temp-dir.ts";
import { detectFileType, looksLikeCsv, looksLikeMarkdown, sniffText } from "./detect-type.ts";

const dir = makeTempDir("detect-type");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(bytes: Buffer | string, name = "upload.bin"): string {
  const file = path.join(dir, `${n++}-${name}`);
  fs.writeFileSync(file, bytes);
  return file;
}

async function refusal(file: string) {
  const error = await detectFileType(file).then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe("detectFileType", () => {
  it("recognises PDF and DOCX by their content, whatever the name", async () => {
    expect(await detectFileType(write(await pdfWithPages(["Hello"]), "notes.txt"))).toEqual({ kind: "pdf", mimeType: "application/pdf" });
    expect(await detectFileType(write(docxWith(["Hello"]), "scan.pdf"))).toEqual({
      kind: "docx",
      mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    });
  });

  it("sorts UTF-8 text into csv, md and txt", async () => {
    expect((await detectFileType(write(csvText, "data.pdf"))).kind).toBe("csv");
    expect((await detectFileType(write(markdownText, "x.csv"))).kind).toBe("md");
    expect((await detectFileType(write("Just a note, nothing more.\nSecond line here.\n", "a.md"))).kind).toBe("txt");
    expect((await detectFileType(write("\uFEFFwith a byte order mark\n"))).kind).toBe("txt");
    expect((await detectFileType(write("Ünïcödé text — “quotes” ✓\n"))).kind).toBe("txt");
  });

  it("refuses programs, images and zips that are not DOCX with file_type_not_allowed", async () => {
    for (const [bytes, detected] of [
      [elfBinary(), "application/x-elf"],
      [exeBinary(), "application/x-msdownload"],
      [png(), "image/png"],
      [plainZip(), "application/zip"],
    ] as const) {
      const error = await refusal(write(bytes, "report.pdf"));
      expect(error.code).toBe("file_type_not_allowed");
      expect(error.details).toEqual({ detected });
    }
  });

  it("refuses binary that no signature names, and text in another encoding", async () => {
    expect((await refusal(write(Buffer.from([1, 2, 3, 0, 5, 6])))).code).toBe("file_type_not_allowed");
    expect((await refusal(write(Buffer.from("caf\xe9 cr\xe8me", "latin1")))).code).toBe("file_type_not_allowed");
  });

  it("refuses a DOCX that would unpack past the limits with file_unpacks_too_large", async () => {
    const error = await refusal(write(docxBomb(), "bomb.docx"));
    expect(error.code).toBe("file_unpacks_too_large");
    expect(error.details).toMatchObject({ maxRatio: 200 });
  });
});

it("random bytes and cut documents are detected or refused, never an unexpected error", async () => {
  const docx = docxWith(["Hello"]);
  const pdf = await pdfWithPages(["Hello"]);
  const prefixes = [Buffer.alloc(0), docx.subarray(0, 4), pdf.subarray(0, 5), png().subarray(0, 8)];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 2048 }), fc.double({ min: 0, max: 1, noNaN: true }), async (prefix, tail, cut) => {
      for (const bytes of [Buffer.concat([prefix, tail]), docx.subarray(0, Math.floor(docx.length * cut)), pdf.subarray(0, Math.floor(pdf.length * cut))]) {
        const outcome = await detectFileType(write(bytes)).catch((e: unknown) => e);
        if (outcome instanceof Error) expect(isAppError(outcome) && ["file_type_not_allowed", "file_unpacks_too_large"].includes(outcome.code), String(outcome)).toBe(true);
      }
    }),
    { numRuns: 60 },
  );
});

describe("text sniffing", () => {
  it("csv needs a header and rows with the same number (≥ 2) of fields", () => {
    expect(looksLikeCsv("a,b\n1,2\n")).toBe(true);
    expect(looksLikeCsv('name,quote\nAda,"Hello, world"\n')).toBe(true);
    expect(looksLikeCsv("a,b\n")).toBe(false);
    expect(looksLikeCsv("one column\nonly\n")).toBe(false);
    expect(looksLikeCsv("Hello, world.\nNo commas here\n")).toBe(false);
  });

  it("markdown needs one clear block, or two softer signs", () => {
    expect(looksLikeMarkdown("# Title\ntext")).toBe(true);
    expect(looksLikeMarkdown("```\ncode\n```")).toBe(true);
    expect(looksLikeMarkdown("| a | b |\n|---|---|\n| 1 | 2 |")).toBe(true);
    expect(looksLikeMarkdown("read [this](https://x.y)")).toBe(true);
    expect(looksLikeMarkdown("- one\n- two\n\nsome **bold** words")).toBe(true);
    expect(looksLikeMarkdown("- one\n- two")).toBe(false);
    expect(looksLikeMarkdown("#hashtag and plain prose.")).toBe(false);
  });

  it("NULs or many control characters mean binary", () => {
    expect(sniffText(Buffer.from("abc\0def"))).toBeNull();
    expect(sniffText(Buffer.from("\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000e\u000f".repeat(2)))).toBeNull();
    expect(sniffText(Buffer.from("a stray \u001b[0m escape in a log line\n"))).toBe("txt");
  });
});
