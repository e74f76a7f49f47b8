/**
 * Cancel latency: from `turns.cancel` (over HTTP, as a user's click) to the turn row reading
 * `cancelled`, for a turn whose step is streaming (the worker's offline model at a readable pace).
 * The turn's watch in the worker reads the request every second while a call runs (turn-stop.ts),
 * so this is about half a second on average and at most about one second plus the commit.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../../src/server/db.ts";
import { waitFor } from "../../src/test/wait-for.ts";
import type { ApiClient } from "../cli/api-client.ts";
import { series, type Series } from "./turns.ts";

export async function measureCancel(db: Db, api: ApiClient, sessionId: string, count: number): Promise<Series> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const turn = await api.turns.send.mutate({ sessionId, message: `Cancel me ${i}: a long answer, please.`, clientRequestId: randomUUID() });
    // Its first step is streaming.
    await waitFor("the turn to stream", () => db.turnEvent.findFirst({ where: { turnId: turn.id, type: "step_delta" }, select: { id: true } }), 30_000, 5);
    const asked = performance.now();
    await api.turns.cancel.mutate({ turnId: turn.id });
    await waitFor("the turn to end", async () => (await db.turn.findUnique({ where: { id: turn.id }, select: { status: true } }))?.status === "cancelled" || null, 30_000, 5);
    samples.push(performance.now() - asked);
  }
  return series(samples);
}
