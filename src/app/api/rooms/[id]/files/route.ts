import { getDb } from "@/server/db.ts";
import { getStorage } from "@/server/files/storage.ts";
import { preflightResponse } from "@/server/http/origins.ts";
import { uploadResponse } from "@/server/files/upload-response.ts";
import { getWebBoss } from "@/server/jobs/boss.ts";

export const dynamic = "force-dynamic";

/** Upload a file to a room: the raw bytes as the body, `?name=` (see upload-response.ts). */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return uploadResponse({ db: getDb(), boss: getWebBoss, storage: getStorage() }, req, { roomId: id });
}

/** CORS preflight: allowed only for origins listed in CORS_ORIGINS. */
export function OPTIONS(req: Request) {
  return preflightResponse(req);
}
