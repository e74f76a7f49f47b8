import { getDb } from "@/server/db.ts";
import { ledgerExportResponse } from "@/server/http/ledger-export.ts";

export const dynamic = "force-dynamic";

/** The signed-in user's ledger as CSV (see ledger-export.ts). */
export function GET(req: Request) {
  return ledgerExportResponse(getDb(), req);
}
