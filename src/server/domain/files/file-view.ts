/** What clients see of a file (PRODUCT.md 8): the same shape from the upload route and `files.list`. */
import type { File } from "@/generated/prisma/client.ts";
import type { FileKind } from "../../files/file-kinds.ts";

export interface FileView {
  id: string;
  name: string;
  kind: FileKind;
  mimeType: string;
  sizeBytes: number;
  status: File["status"];
  /** Why parsing failed, for a `failed` file. */
  error: string | null;
  /** Page count, for a parsed PDF. */
  pages: number | null;
  chunkCount: number;
  createdAt: Date;
}

export function toFileView(file: File): FileView {
  return {
    id: file.id,
    name: file.name,
    kind: file.kind as FileKind,
    mimeType: file.mimeType,
    sizeBytes: file.sizeBytes,
    status: file.status,
    error: file.error,
    pages: file.pages,
    chunkCount: file.chunkCount,
    createdAt: file.createdAt,
  };
}
