/**
 * A decompression bomb check for zip containers (DOCX), from the central directory alone: the
 * entries' declared uncompressed sizes, their sum, and how much each one would grow. Nothing is
 * inflated here. A zip that lies about its sizes gets past this check, but not past the extractor's
 * memory and time limits (extract-text.ts), which are the second line.
 */
import yauzl from "yauzl";
import { AppError } from "../errors.ts";

export interface ZipLimits {
  /** The most all entries together may unpack to. */
  maxUnpackedBytes: number;
  /** The most one entry may grow (uncompressed ÷ compressed), for entries past `ratioFloorBytes`. */
  maxRatio: number;
  /** Entries smaller than this are never a bomb, whatever their ratio (a run of spaces compresses well). */
  ratioFloorBytes: number;
  maxEntries: number;
}

/** Generous for real documents (a DOCX's XML compresses about 5–20×), far below what hurts. */
export const docxLimits: ZipLimits = { maxUnpackedBytes: 200 * 1024 * 1024, maxRatio: 200, ratioFloorBytes: 1024 * 1024, maxEntries: 10_000 };

export interface ZipSummary {
  entries: number;
  unpackedBytes: number;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, zip) => (err ? reject(err) : resolve(zip))));
}

const tooLarge = (message: string, details: Record<string, unknown>) => new AppError("file_unpacks_too_large", message, details);

/** Throws `file_unpacks_too_large` for a bomb; a zip that cannot be read is `file_type_not_allowed`. */
export async function checkZipUnpackSize(path: string, limits: ZipLimits = docxLimits): Promise<ZipSummary> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (error) {
    throw new AppError("file_type_not_allowed", "This archive cannot be read.", undefined, { cause: error });
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw tooLarge(`This archive has ${zip.entryCount} entries; at most ${limits.maxEntries} are allowed.`, { entries: zip.entryCount, maxEntries: limits.maxEntries });
  }
  return new Promise<ZipSummary>((resolve, reject) => {
    let unpackedBytes = 0;
    const fail = (error: Error) => {
      zip.close();
      reject(error);
    };
    zip.on("entry", (entry: yauzl.Entry) => {
      unpackedBytes += entry.uncompressedSize;
      if (unpackedBytes > limits.maxUnpackedBytes) {
        return fail(tooLarge(`This file would unpack to more than ${limits.maxUnpackedBytes} bytes.`, { maxUnpackedBytes: limits.maxUnpackedBytes }));
      }
      const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (entry.uncompressedSize > limits.ratioFloorBytes && ratio > limits.maxRatio) {
        return fail(tooLarge(`A part of this file would grow ${Math.round(ratio)}× when unpacked; at most ${limits.maxRatio}× is allowed.`, { ratio: Math.round(ratio), maxRatio: limits.maxRatio }));
      }
      zip.readEntry();
    });
    zip.once("end", () => resolve({ entries: zip.entryCount, unpackedBytes }));
    zip.once("error", (error: Error) => fail(new AppError("file_type_not_allowed", "This archive cannot be read.", undefined, { cause: error })));
    zip.readEntry();
  });
}
