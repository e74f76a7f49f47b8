/**
 * Text out of each kind of document. These run inside the extraction child process
 * (extract-child.ts), never in the worker itself: a hostile file may make them slow, hungry or crash.
 */
import fs from "node:fs/promises";
import { parse } from "csv-parse/sync";
import type { FileKind } from "./file-kinds.ts";

/** A document's text, in reading order; `page` is 1-based for paged formats (PDF), else null. */
export interface ExtractedText {
  sections: { page: number | null; text: string }[];
  /** The page count for paged formats, else null. */
  pages: number | null;
}

/** Text as PostgreSQL stores it: no NUL characters, Unix line ends, no BOM. */
export function cleanText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\u0000/g, "").replace(/\r\n?/g, "\n");
}

export async function extractFromFile(path: string, kind: FileKind): Promise<ExtractedText> {
  switch (kind) {
    case "pdf":
      return extractPdf(new Uint8Array(await fs.readFile(path)));
    case "docx":
      return extractDocx(path);
    case "csv":
      return whole(renderCsv(await fs.readFile(path, "utf8")));
    case "txt":
    case "md":
      return whole(await fs.readFile(path, "utf8"));
  }
}

const whole = (text: string): ExtractedText => ({ sections: [{ page: null, text: cleanText(text) }], pages: null });

async function extractPdf(data: Uint8Array): Promise<ExtractedText> {
  // Loaded here, not at the top: only the child that parses a PDF pays for PDF.js.
  const { extractText, getDocumentProxy } = await import("unpdf");
  // No cleanup: the child process exits once it has answered.
  const pdf = await getDocumentProxy(data);
  const { totalPages, text } = await extractText(pdf, { mergePages: false });
  return { sections: text.map((pageText, i) => ({ page: i + 1, text: cleanText(pageText) })), pages: totalPages };
}

async function extractDocx(path: string): Promise<ExtractedText> {
  const mammoth = await import("mammoth");
  const { value } = await mammoth.extractRawText({ path });
  return whole(value);
}

/**
 * A CSV as readable lines: the columns first, then one line per row naming each value's column,
 * so any slice of it (a search hit, a chunk) still says what its numbers are. A CSV that does not
 * parse after all (the upload check reads only its start) is kept as the text it is.
 */
export function renderCsv(source: string): string {
  let rows: string[][];
  try {
    rows = parse(source, { bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, trim: true });
  } catch {
    return source;
  }
  const [header, ...body] = rows;
  if (!header) return "";
  const names = header.map((name, i) => name || `column ${i + 1}`);
  const lines = [`Columns: ${names.join(", ")}`];
  body.forEach((row, i) => {
    const cells = row.map((value, c) => `${names[c] ?? `column ${c + 1}`}: ${value}`);
    lines.push(`Row ${i + 1}: ${cells.join("; ")}`);
  });
  return lines.join("\n");
}
