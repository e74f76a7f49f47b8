/** The kinds of document Pantheon takes (PRODUCT.md 8), as the `files.kind` column stores them. */
export const fileKinds = ["txt", "md", "csv", "pdf", "docx"] as const;
export type FileKind = (typeof fileKinds)[number];

export const mimeTypes: Record<FileKind, string> = {
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};
