import { checkHealth } from "@/server/domain/health/check-health.ts";
import { getDb } from "@/server/db.ts";

export const dynamic = "force-dynamic";

/** For load balancers: the same report as `health.check`; 503 only when the database is down. */
export async function GET() {
  const report = await checkHealth({ getDb });
  return Response.json(report, {
    status: report.status === "down" ? 503 : 200,
    headers: { "Cache-Control": "no-store" },
  });
}
