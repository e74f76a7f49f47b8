import { describe, expect, it } from "vitest";
import { describeUploadRefusal, formatBytes, isFileBusy, readRefusal } from "./files-format.ts";
import { uploadUrl } from "./upload.ts";

const refusal = (appCode: string | null, details: Record<string, unknown> | null = null, httpStatus = 400, message = "") => ({ httpStatus, appCode, message, details });

describe("files panel wording", () => {
  it("formats sizes in bytes, KB, MB and GB", () => {
    expect([0, 1, 812, 1024, 1536, 12 * 1024 + 300, 1024 * 1024, 1.45 * 1024 * 1024, 100 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes)).toEqual([
      "0 bytes",
      "1 byte",
      "812 bytes",
      "1 KB",
      "1.5 KB",
      "12 KB",
      "1 MB",
      "1.4 MB",
      "100 MB",
      "3 GB",
    ]);
  });

  it("polls while a file is uploaded or parsing, not once it is ready or failed", () => {
    expect(["uploaded", "parsing", "ready", "failed"].map(isFileBusy)).toEqual([true, true, false, false]);
  });

  it("says why an upload was refused, one message per code", () => {
    expect(describeUploadRefusal("evil.pdf", refusal("file_type_not_allowed", null, 415))).toMatch(/^“evil\.pdf” was not uploaded: its content is not a type Pantheon can read\. Upload a PDF, Word/);
    expect(describeUploadRefusal("big.pdf", refusal("file_too_large", { maxBytes: 10 * 1024 * 1024 }, 413))).toBe("“big.pdf” was not uploaded: it is larger than the 10 MB limit for one file.");
    expect(describeUploadRefusal("big.pdf", refusal("file_too_large", null, 413), { maxBytes: 5 * 1024 * 1024 })).toContain("5 MB limit");
    expect(describeUploadRefusal("a.csv", refusal("room_storage_full", null, 413), { usedBytes: 99 * 1024 * 1024, roomMaxBytes: 100 * 1024 * 1024 })).toBe(
      "“a.csv” was not uploaded: the storage for files here is full (99 MB of 100 MB used). Delete some files to make room.",
    );
    expect(describeUploadRefusal("bomb.docx", refusal("file_unpacks_too_large", null, 422))).toContain("unpack to more than the allowed size");
    expect(describeUploadRefusal("a.txt", refusal(null, null, 0))).toContain("the connection failed");
    expect(describeUploadRefusal("a.txt", refusal("internal", null, 500, "Internal server error"))).toBe("“a.txt” was not uploaded: Internal server error.");
  });

  it("reads the route's JSON error body, and survives any other body", () => {
    const body = { error: { message: "Too large", data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413, appCode: "file_too_large", details: { maxBytes: 1024 }, zodError: null } } };
    expect(readRefusal(413, body)).toEqual({ httpStatus: 413, appCode: "file_too_large", message: "Too large", details: { maxBytes: 1024 } });
    expect(readRefusal(502, "<html>Bad gateway</html>")).toEqual({ httpStatus: 502, appCode: null, message: "", details: null });
    expect(readRefusal(500, null)).toMatchObject({ appCode: null });
  });

  it("uploads to the room's or the session's files route, with the name encoded", () => {
    expect(uploadUrl({ roomId: "r1" }, "Q3 report & notes.pdf")).toBe("/api/rooms/r1/files?name=Q3%20report%20%26%20notes.pdf");
    expect(uploadUrl({ sessionId: "s1" }, "ünï.md")).toBe("/api/sessions/s1/files?name=%C3%BCn%C3%AF.md");
  });
});
