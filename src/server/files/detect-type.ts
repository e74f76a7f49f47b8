/**
 * What an upload is, from its bytes, never its name (PRODUCT.md 8): `file-type` recognises binary
 * formats by their signatures (a DOCX by the parts inside its zip); what it does not recognise must
 * be UTF-8 text, then sorted into CSV, Markdown or plain text by its shape. Anything else — a
 * program renamed .pdf, an image, a zip that is not a DOCX — is `file_type_not_allowed`.
 */
import fs from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { fileTypeFromFile } from "file-type";
import { AppError } from "../errors.ts";
import { mimeTypes, type FileKind } from "./file-kinds.ts";
import { checkZipUnpackSize } from "./zip-size.ts";

export interface DetectedType {
  kind: FileKind;
  mimeType: string;
}

const allowedList = "PDF, Word (.docx), CSV, Markdown or plain text";

const detected = (kind: FileKind): DetectedType => ({ kind, mimeType: mimeTypes[kind] });

/** The kind of the file at `path`; throws `file_type_not_allowed` (or `file_unpacks_too_large`). */
export async function detectFileType(path: string): Promise<DetectedType> {
  // A malformed container can make a detector throw; then no signature matched, and the text sniff decides.
  const signature = await fileTypeFromFile(path).catch(() => undefined);
  if (signature?.ext === "pdf") return detected("pdf");
  if (signature?.ext === "docx") {
    await checkZipUnpackSize(path);
    return detected("docx");
  }
  if (signature) {
    throw new AppError("file_type_not_allowed", `This is a ${signature.ext} file (${signature.mime}); upload ${allowedList}.`, { detected: signature.mime });
  }
  const kind = sniffText(await fs.readFile(path));
  if (!kind) throw new AppError("file_type_not_allowed", `This file is not a document Pantheon can read; upload ${allowedList}.`, { detected: "application/octet-stream" });
  return detected(kind);
}

// C0 controls other than tab, line feed, vertical tab, form feed and carriage return, and DEL.
const CONTROL = /[\u0001-\u0008\u000e-\u001f\u007f]/g;

/** txt, md or csv for UTF-8 text; null for anything else (binary, another encoding). */
export function sniffText(bytes: Uint8Array): "txt" | "md" | "csv" | null {
  if (bytes.includes(0)) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
  // A few stray control characters happen in real text (pasted from a terminal); many mean binary.
  const controls = text.match(CONTROL)?.length ?? 0;
  if (controls > Math.max(8, text.length / 1000)) return null;
  if (looksLikeCsv(text)) return "csv";
  if (looksLikeMarkdown(text)) return "md";
  return "txt";
}

const CSV_SAMPLE_CHARS = 64 * 1024;

/** At least a header and a row, every record with the same number (≥ 2) of fields. */
export function looksLikeCsv(text: string): boolean {
  let sample = text.length > CSV_SAMPLE_CHARS ? text.slice(0, CSV_SAMPLE_CHARS) : text;
  // A cut sample ends at its last full line.
  if (sample.length < text.length) sample = sample.slice(0, Math.max(0, sample.lastIndexOf("\n")));
  let records: string[][];
  try {
    records = parse(sample, { bom: true, skip_empty_lines: true, relax_column_count: true });
  } catch {
    return false;
  }
  if (records.length < 2) return false;
  const columns = records[0]!.length;
  return columns >= 2 && records.every((r) => r.length === columns);
}

const MARKDOWN_BLOCKS = [
  /^#{1,6}[ \t]+\S/m, // heading
  /^(```|~~~)/m, // fenced code
  /^\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$/m, // table separator row
  /\[[^\]\n]+\]\([^)\s]+\)/, // link
];
const MARKDOWN_HINTS = [
  /^[ \t]*[-*+][ \t]+\S/m, // bullet list
  /^[ \t]*\d+[.)][ \t]+\S/m, // numbered list
  /^>[ \t]?\S/m, // block quote
  /(\*\*|__)\S[^\n]*?\S\1/, // strong
  /`[^`\n]+`/, // inline code
];

/** One unmistakable Markdown block, or two of the softer signs that plain text also has alone. */
export function looksLikeMarkdown(text: string): boolean {
  if (MARKDOWN_BLOCKS.some((re) => re.test(text))) return true;
  return MARKDOWN_HINTS.filter((re) => re.test(text)).length >= 2;
}
