/**
 * Documents for upload and parsing tests, made in the test: a multi-page PDF with known text (pdf-lib),
 * a DOCX (a real OOXML zip, built with fflate), a DOCX decompression bomb, a truncated PDF, program
 * headers (ELF, EXE) to rename .pdf, CSV, Markdown and text.
 */
import { strToU8, zipSync, type Zippable } from "fflate";
import { PDFDocument, StandardFonts } from "pdf-lib";

/** A PDF with one page per entry, each page's text drawn line by line. */
export async function pdfWithPages(pages: string[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = doc.addPage([595, 842]);
    text.split("\n").forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 16, size: 11, font }));
  }
  return Buffer.from(await doc.save());
}

/** The first `fraction` of a document: what an interrupted download leaves. */
export const truncated = (bytes: Buffer, fraction = 0.5): Buffer => bytes.subarray(0, Math.floor(bytes.length * fraction));

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>`;

const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>`;

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function documentXml(paragraphs: string[]): string {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${escapeXml(p)}</w:t></w:r></w:p>`).join("");
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`;
}

/** A Word document with these paragraphs; `extra` adds parts (e.g. a bomb's filler). */
export function docxWith(paragraphs: string[], extra: Zippable = {}): Buffer {
  return Buffer.from(
    zipSync({ "[Content_Types].xml": strToU8(CONTENT_TYPES), _rels: { ".rels": strToU8(ROOT_RELS) }, word: { "document.xml": strToU8(documentXml(paragraphs)) }, ...extra }, { level: 9 }),
  );
}

/** A valid-looking DOCX carrying a part that inflates ~1000× (64 MiB of zeros in ~64 KB). */
export function docxBomb(): Buffer {
  return docxWith(["Nothing to see here."], { word: { "document.xml": strToU8(documentXml(["Nothing to see here."])), media: { "filler.bin": new Uint8Array(64 * 1024 * 1024) } } });
}

/** A plain zip (not a DOCX). */
export const plainZip = (): Buffer => Buffer.from(zipSync({ "notes.txt": strToU8("just a zip") }));

/** The start of a Linux executable: what a program renamed report.pdf looks like. */
export function elfBinary(): Buffer {
  const bytes = Buffer.alloc(4096);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(bytes);
  bytes.writeUInt16LE(2, 16); // e_type: executable
  bytes.writeUInt16LE(0x3e, 18); // e_machine: x86-64
  return bytes;
}

/** The start of a Windows executable (an MZ header pointing at a PE signature). */
export function exeBinary(): Buffer {
  const bytes = Buffer.alloc(4096);
  bytes.write("MZ", 0, "latin1");
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write("PE\0\0", 0x80, "latin1");
  return bytes;
}

/** A 1×1 PNG. */
export const png = (): Buffer =>
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

export const csvText = "city,country,population\nLisbon,Portugal,545000\nReykjavik,Iceland,139000\nWellington,New Zealand,215000\n";

export const markdownText = "# Launch plan\n\nThe **pilot** starts in March.\n\n- Recruit ten pharmacies\n- Measure refill latency\n\nSee [the brief](https://example.com/brief).\n";

/** Prose of about `chars` characters in paragraphs, with `marker` in its last paragraph. */
export function longText(chars: number, marker: string): string {
  const sentence = "The committee reviewed the quarterly figures and agreed on the next steps. ";
  const paragraph = sentence.repeat(6).trim();
  const count = Math.ceil(chars / (paragraph.length + 2));
  return [...Array<string>(count).fill(paragraph), `Finally the ${marker} was approved.`].join("\n\n");
}
