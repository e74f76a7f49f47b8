/**
 * A document's text cut into `file_chunks` (PRODUCT.md 8): pieces of about 1,500–2,000 characters,
 * cut at a paragraph break where there is one, else a line break, a sentence end or a space, and
 * never across a page (each chunk has its page, for PDF).
 *
 * The document's text is its sections (pages) joined with a blank line. A chunk is an exact slice
 * of that text: `text === fullText.slice(charStart, charStart + text.length)`, with the whitespace
 * between chunks left out, so `char_start` ranges are positions a reader can ask for.
 */
export interface Section {
  page: number | null;
  text: string;
}

export interface Chunk {
  position: number;
  page: number | null;
  charStart: number;
  text: string;
}

export interface ChunkOptions {
  /** Where cutting may start (a cut before this would make a small chunk). */
  minChars: number;
  /** No chunk is longer than this. */
  maxChars: number;
}

export const defaultChunkOptions: ChunkOptions = { minChars: 1500, maxChars: 2000 };

export const SECTION_SEPARATOR = "\n\n";

/** The document's whole text, as `char_start` counts it. */
export function joinSections(sections: Section[]): string {
  return sections.map((s) => s.text).join(SECTION_SEPARATOR);
}

// Best boundary first: each pattern matches the separator after which a chunk may end.
const BOUNDARIES = [/\n[ \t]*\n/g, /\n/g, /[.!?…]["')\]]?\s/g, /\s/g];

/** Where to cut `text` (an index in `text`, at most `max`), preferring the best boundary in [min, max]. */
function cutPoint(text: string, min: number, max: number): number {
  const window = text.slice(0, max + 1);
  for (const pattern of BOUNDARIES) {
    let best = -1;
    for (const match of window.matchAll(pattern)) {
      const end = match.index + match[0].length;
      if (end > max) break;
      if (end >= min) best = end;
    }
    if (best > 0) return best;
  }
  // No space at all: a hard cut, but never between the two halves of a surrogate pair.
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

export function chunkSections(sections: Section[], options: ChunkOptions = defaultChunkOptions): Chunk[] {
  const chunks: Chunk[] = [];
  let offset = 0;
  for (const section of sections) {
    let start = 0;
    const text = section.text;
    while (start < text.length) {
      const rest = text.slice(start);
      const end = rest.length <= options.maxChars ? rest.length : cutPoint(rest, options.minChars, options.maxChars);
      const piece = rest.slice(0, end);
      const lead = piece.length - piece.trimStart().length;
      const body = piece.trim();
      if (body) chunks.push({ position: chunks.length, page: section.page, charStart: offset + start + lead, text: body });
      start += end;
    }
    offset += text.length + SECTION_SEPARATOR.length;
  }
  return chunks;
}
