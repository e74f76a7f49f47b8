/**
 * Runs text extraction in a child process with a time and a memory limit (PRODUCT.md 8), so a
 * hostile or broken file can neither wedge nor crash the worker: the child gets a V8 heap limit
 * (`--max-old-space-size`), and is killed when it runs past the timeout or when its resident memory
 * (heap plus the buffers V8 does not count) passes twice that limit.
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { env } from "../env.ts";
import type { FileKind } from "./file-kinds.ts";
import { extractReply, type ExtractRequest } from "./extract-protocol.ts";
import type { ExtractedText } from "./extractors.ts";

export interface ExtractLimits {
  timeoutMs: number;
  memoryMb: number;
}

export const limitsFromEnv = (): ExtractLimits => ({ timeoutMs: env.FILE_PARSE_TIMEOUT_SECONDS * 1000, memoryMb: env.FILE_PARSE_MEMORY_MB });

/** The file cannot be turned into text (corrupt, too big to parse, too slow): trying again will not help. */
export class ExtractionFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExtractionFailed";
  }
}

const childEntry = fileURLToPath(new URL("./extract-child.ts", import.meta.url));
// An absolute URL, so the child finds tsx whatever its working directory.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

const RSS_POLL_MS = 200;

/** Only what Node and tsx need: no database URL, no keys. */
function childEnv(): NodeJS.ProcessEnv {
  const pass = ["PATH", "TMPDIR", "TMP", "TEMP", "HOME", "LANG"];
  return { NODE_ENV: process.env.NODE_ENV ?? "production", ...Object.fromEntries(pass.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))) };
}

/** The child's resident set size in bytes (Linux /proc); null where that cannot be read. */
function residentBytes(pid: number): number | null {
  try {
    const pages = Number(fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return Number.isFinite(pages) ? pages * 4096 : null;
  } catch {
    return null;
  }
}

/**
 * The text of the file at `path`. Throws `ExtractionFailed` when the file is at fault; any other
 * error (the child could not start, `signal` aborted because the worker is stopping) is worth a retry.
 */
export async function extractText(path: string, kind: FileKind, limits: ExtractLimits = limitsFromEnv(), signal?: AbortSignal): Promise<ExtractedText> {
  signal?.throwIfAborted();
  const child = fork(childEntry, [], {
    execArgv: ["--import", tsxLoader, `--max-old-space-size=${limits.memoryMb}`],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    // The child needs no settings: secrets stay out of a process that reads hostile input.
    env: childEnv(),
    serialization: "advanced",
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));

  return new Promise<ExtractedText>((resolve, reject) => {
    let verdict: { ok: true; text: ExtractedText } | { ok: false; error: Error } | null = null;
    const decide = (outcome: NonNullable<typeof verdict>) => {
      verdict ??= outcome;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    const timer = setTimeout(() => decide({ ok: false, error: new ExtractionFailed(`Reading this file took longer than ${Math.round(limits.timeoutMs / 1000)} s.`) }), limits.timeoutMs);
    const rssLimit = limits.memoryMb * 2 * 1024 * 1024;
    const watchdog = setInterval(() => {
      const rss = child.pid ? residentBytes(child.pid) : null;
      if (rss !== null && rss > rssLimit) decide({ ok: false, error: new ExtractionFailed(`Reading this file needed more than ${limits.memoryMb * 2} MB of memory.`) });
    }, RSS_POLL_MS);
    const onAbort = () => decide({ ok: false, error: signal!.reason instanceof Error ? signal!.reason : new Error("extraction aborted") });
    signal?.addEventListener("abort", onAbort, { once: true });

    child.once("message", (message: unknown) => {
      const reply = extractReply.safeParse(message);
      if (!reply.success) return decide({ ok: false, error: new Error(`the extractor answered something unexpected: ${reply.error.message}`) });
      if (!reply.data.ok) return decide({ ok: false, error: new ExtractionFailed(readableReason(reply.data.reason)) });
      decide({ ok: true, text: { sections: reply.data.sections, pages: reply.data.pages } });
    });
    child.once("error", (error) => decide({ ok: false, error }));
    child.once("exit", (code, exitSignal) => {
      clearTimeout(timer);
      clearInterval(watchdog);
      signal?.removeEventListener("abort", onAbort);
      if (!verdict) {
        // Died without a word: V8 gave up on its heap limit, or something in it crashed.
        const outOfMemory = /heap out of memory|Reached heap limit/i.test(stderr);
        verdict = {
          ok: false,
          error: new ExtractionFailed(outOfMemory ? `Reading this file needed more than ${limits.memoryMb} MB of memory.` : `The reader stopped unexpectedly (${exitSignal ?? `exit code ${code}`}).`),
        };
      }
      if (verdict.ok) resolve(verdict.text);
      else reject(verdict.error);
    });
    const request: ExtractRequest = { path, kind };
    child.send(request);
  });
}

/** PDF.js and mammoth speak of their internals; say what it means for the file. */
function readableReason(reason: string): string {
  if (/invalid pdf|missing pdf|pdf header|xref|startxref|unexpected end|FormatError|InvalidPDFException/i.test(reason)) {
    return `This PDF is damaged or incomplete (${reason.trim()}).`;
  }
  if (/end of central directory|zip|corrupted/i.test(reason)) return `This Word document is damaged (${reason.trim()}).`;
  if (/password|encrypt/i.test(reason)) return "This document is password-protected.";
  return `This file could not be read (${reason.trim()}).`;
}
