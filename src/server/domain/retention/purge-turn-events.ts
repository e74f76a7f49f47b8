/**
 * Turn events of ended turns (PRODUCT.md 3), run daily by `retention.events`: the live event log of
 * a turn that ended more than `retention.events_days` ago is removed. Nothing reads it after the
 * turn: its messages and steps keep the content, and a stream that reconnects asks only for events
 * after the ones it has seen.
 */
import type { Db } from "../../db.ts";
import { Prisma } from "@/generated/prisma/client.ts";
import { activeTurnStatuses } from "../turns/turn-machine.ts";
import { getSettings } from "../settings/settings.ts";

export interface EventsPurgeReport {
  eventsDays: number;
  cutoff: string;
  turnEvents: number;
}

export async function purgeEndedTurnEvents(db: Db, now = new Date()): Promise<EventsPurgeReport> {
  const eventsDays = (await getSettings(db))["retention.events_days"];
  const cutoff = new Date(now.getTime() - eventsDays * 86_400_000);
  const active = Prisma.join(activeTurnStatuses.map((s) => Prisma.sql`${s}::turn_status`));
  const turnEvents = await db.$executeRaw`
    DELETE FROM turn_events e USING turns t
    WHERE e.turn_id = t.id AND t.status NOT IN (${active}) AND t.finished_at < ${cutoff}`;
  return { eventsDays, cutoff: cutoff.toISOString(), turnEvents };
}
