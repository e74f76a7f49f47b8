/**
 * How the files panel words things: sizes, a file's status, and why an upload was refused (one
 * message per refusal code of the upload route, PRODUCT.md 8).
 */

export type FileStatus = "uploaded" | "parsing" | "ready" | "failed";

/** Statuses during which the file is still being worked on (the panel polls while one is shown). */
export const isFileBusy = (status: string) => status === "uploaded" || status === "parsing";

const units = ["KB", "MB", "GB"] as const;

/** "812 bytes", "12 KB", "1.4 MB" (1 KB = 1024 bytes). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value >= 10 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, "");
  return `${shown} ${units[unit]}`;
}

export const fileStatusNames: Record<FileStatus, string> = {
  uploaded: "Waiting to be read",
  parsing: "Reading…",
  ready: "Ready",
  failed: "Failed",
};

/** The file types the server reads (it checks the content, not the name). */
export const acceptedTypes = ".pdf,.docx,.txt,.md,.markdown,.csv,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,text/markdown,text/csv";
export const acceptedTypesText = "PDF, Word (.docx), text, Markdown or CSV";

/** What a refused upload's response says: the route's JSON error fields (see src/server/api/error-shape.ts). */
export interface UploadRefusal {
  httpStatus: number;
  appCode: string | null;
  message: string;
  details: Record<string, unknown> | null;
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The sentence a person reads when an upload of `name` was refused; `limits` fill in what the refusal's details leave out. */
export function describeUploadRefusal(name: string, refusal: UploadRefusal, limits: { maxBytes?: number; roomMaxBytes?: number; usedBytes?: number } = {}): string {
  const d = refusal.details ?? {};
  const quoted = `“${name}”`;
  switch (refusal.appCode) {
    case "file_type_not_allowed":
      return `${quoted} was not uploaded: its content is not a type Pantheon can read. Upload a ${acceptedTypesText} file (the type is checked from the content, not the name).`;
    case "file_too_large": {
      const max = num(d.maxBytes) ?? limits.maxBytes;
      return `${quoted} was not uploaded: it is larger than the ${max ? `${formatBytes(max)} ` : ""}limit for one file.`;
    }
    case "room_storage_full": {
      const max = num(d.roomMaxBytes) ?? num(d.maxBytes) ?? limits.roomMaxBytes;
      const used = num(d.usedBytes) ?? limits.usedBytes;
      const room = max ? ` (${used !== undefined && used !== null ? `${formatBytes(used)} of ${formatBytes(max)}` : `${formatBytes(max)}`} used)` : "";
      return `${quoted} was not uploaded: the storage for files here is full${room}. Delete some files to make room.`;
    }
    case "file_unpacks_too_large":
      return `${quoted} was not uploaded: its compressed contents unpack to more than the allowed size.`;
    case "unauthorized":
      return `${quoted} was not uploaded: you are signed out. Sign in again, then retry.`;
    case "not_found":
      return `${quoted} was not uploaded: this room or chat no longer exists.`;
    case "rate_limited":
      return `${quoted} was not uploaded: too many uploads for now.${num(d.retryAfterSeconds) ? ` Try again in ${Math.ceil(num(d.retryAfterSeconds)!)} s.` : " Try again shortly."}`;
    default:
      if (refusal.httpStatus === 0) return `${quoted} was not uploaded: the connection failed. Check your network and try again.`;
      return `${quoted} was not uploaded: ${refusal.message || `the server answered ${refusal.httpStatus}`}.`;
  }
}

/** The error body a route handler answers with, read defensively (anything else becomes a generic refusal). */
export function readRefusal(httpStatus: number, body: unknown): UploadRefusal {
  const error = typeof body === "object" && body !== null && "error" in body ? (body as { error: unknown }).error : null;
  const e = typeof error === "object" && error !== null ? (error as { message?: unknown; data?: unknown }) : {};
  const data = typeof e.data === "object" && e.data !== null ? (e.data as { appCode?: unknown; details?: unknown }) : {};
  return {
    httpStatus,
    appCode: typeof data.appCode === "string" ? data.appCode : null,
    message: typeof e.message === "string" ? e.message : "",
    details: typeof data.details === "object" && data.details !== null ? (data.details as Record<string, unknown>) : null,
  };
}
