/**
 * `files upload|list|delete` (PRODUCT.md 8): a room's or direct session's files, as the signed-in
 * user of PANTHEON_TOKEN. Uploads go through the HTTP route (`POST /api/rooms/:id/files`, the raw
 * file as the body, streamed from disk); listing and deleting through the tRPC API.
 */
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import type { ApiClient } from "./api-client.ts";
import { printTable } from "./models-commands.ts";

interface TargetOptions {
  room?: string;
  session?: string;
}

interface FileLine {
  id: string;
  name: string;
  kind: string;
  sizeBytes: number;
  status: string;
  error: string | null;
  pages: number | null;
  chunkCount: number;
}

type Target = { roomId: string } | { sessionId: string };

function targetOf(opts: TargetOptions): Target {
  if (!!opts.room === !!opts.session) throw new Error("Say whose files: --room <id> or --session <id> (a direct chat's session).");
  return opts.room ? { roomId: opts.room } : { sessionId: opts.session! };
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const describeFile = (f: FileLine) =>
  f.status === "failed" ? `failed: ${f.error ?? "unknown reason"}` : f.status === "ready" ? `ready (${f.pages ? `${f.pages} pages, ` : ""}${f.chunkCount} chunks)` : f.status;

/** The route's JSON error (api/error-shape.ts) as one line, with its machine code. */
async function refusal(res: Response): Promise<Error> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string; data?: { appCode?: string } } } | null;
  const message = body?.error?.message ?? `HTTP ${res.status}`;
  return new Error(body?.error?.data?.appCode ? `${message} [${body.error.data.appCode}]` : message);
}

async function uploadOne(baseUrl: string, token: string, target: Target, file: string, name: string): Promise<FileLine> {
  const route = "roomId" in target ? `/api/rooms/${encodeURIComponent(target.roomId)}/files` : `/api/sessions/${encodeURIComponent(target.sessionId)}/files`;
  const url = new URL(route, baseUrl);
  url.searchParams.set("name", name);
  // A Blob backed by the file: sent with its Content-Length, read from disk as it goes.
  const body = await fs.openAsBlob(file);
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", body, headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" } });
  } catch (error) {
    throw new Error(`Cannot reach Pantheon at ${baseUrl}. Is it running? (set PANTHEON_URL to point elsewhere)`, { cause: error });
  }
  if (res.status !== 201) throw await refusal(res);
  return ((await res.json()) as { file: FileLine }).file;
}

export function registerFileCommands(program: Command, api: ApiClient, settings: { baseUrl: string; token: string | undefined }) {
  const files = program.command("files").description("files of a room or a direct chat (needs PANTHEON_TOKEN)");

  files
    .command("upload")
    .description("upload files (PDF, DOCX, CSV, Markdown, text; type read from the content); prints each one's id")
    .argument("<path...>", "the files to upload")
    .option("--room <id>", "to this room")
    .option("--session <id>", "to this direct chat session")
    .option("--name <name>", "the name to show (default: the file's own name; one file only)")
    .option("--wait", "wait until each file is read (ready or failed); exits 1 if one failed")
    .option("--json", "print each file as JSON")
    .action(async (paths: string[], opts: TargetOptions & { name?: string; wait?: boolean; json?: boolean }) => {
      if (!settings.token) throw new Error("Set PANTHEON_TOKEN to an API token (create one on the Account page or with `tokens create`).");
      const target = targetOf(opts);
      if (opts.name && paths.length > 1) throw new Error("--name names one file; upload several without it.");
      const uploaded: FileLine[] = [];
      for (const file of paths) {
        if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`${file}: no such file`);
        const view = await uploadOne(settings.baseUrl, settings.token, target, file, opts.name ?? path.basename(file));
        uploaded.push(view);
        if (!opts.wait) console.log(opts.json ? JSON.stringify(view) : `${view.id}  ${view.kind.padEnd(4)}  ${formatSize(view.sizeBytes).padStart(9)}  ${view.name}`);
      }
      if (!opts.wait) return;
      const pending = new Set(uploaded.map((f) => f.id));
      while (pending.size) {
        const list = await api.files.list.query(target);
        for (const f of list.items) {
          if (!pending.has(f.id) || (f.status !== "ready" && f.status !== "failed")) continue;
          pending.delete(f.id);
          console.log(opts.json ? JSON.stringify(f) : `${f.id}  ${f.kind.padEnd(4)}  ${formatSize(f.sizeBytes).padStart(9)}  ${f.name}: ${describeFile(f)}`);
          if (f.status === "failed") process.exitCode = 1;
        }
        if (pending.size) await sleep(500);
      }
    });

  files
    .command("list")
    .description("list the files of a room or a direct chat, newest first, with their status")
    .option("--room <id>", "this room's files")
    .option("--session <id>", "this direct chat session's files")
    .option("--json", "print the list as JSON")
    .action(async (opts: TargetOptions & { json?: boolean }) => {
      const list = await api.files.list.query(targetOf(opts));
      if (opts.json) return console.log(JSON.stringify(list, null, 2));
      printTable(
        ["id", "name", "kind", "size", "status"],
        list.items.map((f) => [f.id, f.name, f.kind, formatSize(f.sizeBytes), describeFile(f)]),
        [3],
      );
      console.log(`${formatSize(list.usedBytes)} of ${formatSize(list.roomMaxBytes)} used; at most ${formatSize(list.maxBytes)} a file`);
    });

  files
    .command("delete")
    .description("delete a file: it leaves the list, search and storage")
    .argument("<id>", "the file's id")
    .action(async (id: string) => {
      await api.files.delete.mutate({ id });
      console.log(`deleted ${id}`);
    });
}
