/**
 * One file upload to the files route (`POST …/files?name=…`, the raw file as the body, the session
 * cookie as auth), through XMLHttpRequest because fetch reports no upload progress.
 */
import { readRefusal, type UploadRefusal } from "./files-format.ts";

export type UploadOutcome = { ok: true; file: unknown } | { ok: false; cancelled: boolean; refusal: UploadRefusal };

/** Where a file goes: a room's files, or a direct-chat session's. */
export function uploadUrl(scope: { roomId: string } | { sessionId: string }, name: string): string {
  const base = "roomId" in scope ? `/api/rooms/${encodeURIComponent(scope.roomId)}/files` : `/api/sessions/${encodeURIComponent(scope.sessionId)}/files`;
  return `${base}?name=${encodeURIComponent(name)}`;
}

export function uploadFile(options: { url: string; file: File; onProgress: (loaded: number, total: number) => void; signal?: AbortSignal }): Promise<UploadOutcome> {
  const { file } = options;
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", options.url);
    // The server reads the type from the content; this only describes the body.
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.responseType = "text";
    xhr.upload.onprogress = (e) => options.onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress(file.size, file.size);
        resolve({ ok: true, file: typeof body === "object" && body !== null && "file" in body ? (body as { file: unknown }).file : null });
      } else resolve({ ok: false, cancelled: false, refusal: readRefusal(xhr.status, body) });
    };
    xhr.onerror = () => resolve({ ok: false, cancelled: false, refusal: { httpStatus: 0, appCode: null, message: "", details: null } });
    xhr.onabort = () => resolve({ ok: false, cancelled: true, refusal: { httpStatus: 0, appCode: null, message: "cancelled", details: null } });
    if (options.signal) {
      if (options.signal.aborted) return xhr.abort();
      options.signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    xhr.send(file);
  });
}
