/**
 * GET /api/usage/export: the signed-in user's ledger as a CSV download, streamed. Signed in as for
 * the API: the session cookie, or `Authorization: Bearer pan_…` for scripts. Apart from the route
 * file so tests can call it with their own database.
 */
import { errorResponse } from "../api/error-shape.ts";
import type { Db } from "../db.ts";
import { resolveActor } from "../domain/auth/resolve-actor.ts";
import { ledgerCsvStream } from "../domain/metering/ledger-csv.ts";
import { AppError } from "../errors.ts";

export async function ledgerExportResponse(db: Db, req: Request): Promise<Response> {
  try {
    const actor = await resolveActor(db, req.headers);
    if (!actor) throw new AppError("unauthorized", "Sign in, or send a valid API token as `Authorization: Bearer …`.");
    if (actor.user.status === "suspended") throw new AppError("account_suspended", "This account is suspended.");
    const day = new Date().toISOString().slice(0, 10);
    return new Response(ledgerCsvStream(db, actor.user.id), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="pantheon-usage-${day}.csv"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (error) {
    return errorResponse(error, "usage.export");
  }
}
