/**
 * `POST /api/rooms/:id/files` and `POST /api/sessions/:id/files` (PRODUCT.md 8): the body is the
 * file's raw bytes (so a browser can send a File with upload progress), `?name=` the name to show.
 * Signed in as for the API — the session cookie (from Pantheon's own origin, like any
 * cookie-authenticated change) or `Authorization: Bearer pan_…`. Answers 201 `{ file }`, or an error
 * in the shape every route handler uses (api/error-shape.ts). Apart from the route files so tests
 * can call it with their own database, queue and store.
 */
import type { PgBoss } from "pg-boss";
import { errorResponse } from "../api/error-shape.ts";
import type { Db } from "../db.ts";
import { resolveActor } from "../domain/auth/resolve-actor.ts";
import type { FileTarget } from "../domain/files/file-owner.ts";
import { uploadFile } from "../domain/files/upload-file.ts";
import { AppError } from "../errors.ts";
import { corsHeaders, isTrustedOrigin } from "../http/origins.ts";
import type { FileStorage } from "./storage.ts";

export interface UploadRouteDeps {
  db: Db;
  /** Started on first use (the web process's sender). */
  boss: () => Promise<PgBoss>;
  storage: FileStorage;
}

const EMPTY_BODY: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

export async function uploadResponse(deps: UploadRouteDeps, req: Request, target: FileTarget): Promise<Response> {
  const response = await answer(deps, req, target);
  // An origin listed in CORS_ORIGINS may upload from the browser too, as it may call the API.
  for (const [key, value] of Object.entries(corsHeaders(req.headers.get("origin")))) response.headers.set(key, value);
  return response;
}

async function answer(deps: UploadRouteDeps, req: Request, target: FileTarget): Promise<Response> {
  try {
    const actor = await resolveActor(deps.db, req.headers);
    if (!actor) throw new AppError("unauthorized", "Sign in, or send a valid API token as `Authorization: Bearer …`.");
    if (actor.user.status === "suspended") throw new AppError("account_suspended", "This account is suspended.");
    if (actor.method === "cookie" && !isTrustedOrigin(req.headers)) {
      throw new AppError("origin_not_allowed", "Cookie-authenticated changes must come from Pantheon's own origin.");
    }
    const name = new URL(req.url).searchParams.get("name");
    if (name === null) throw new AppError("invalid_input", "Say the file's name: ?name=report.pdf", { field: "name" });
    const length = req.headers.get("content-length");
    const declaredSize = length !== null && /^\d+$/.test(length) ? Number(length) : null;
    const file = await uploadFile({ db: deps.db, boss: await deps.boss(), storage: deps.storage }, actor.user.id, {
      target,
      name,
      body: (req.body as AsyncIterable<Uint8Array> | null) ?? EMPTY_BODY,
      declaredSize,
    });
    return Response.json({ file }, { status: 201, headers: { "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error, "files.upload");
  }
}
