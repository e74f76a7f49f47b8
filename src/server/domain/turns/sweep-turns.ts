/**
 * A turn's job can end without the turn ending: its worker was killed on the last retry, or the
 * job was removed. Such a turn would stay `queued`/`running` for good and block its session
 * (`turn_in_progress`). This sweep, run every minute by the worker, ends them: `cancelled` when the
 * owner had asked to cancel, otherwise `failed` with code `worker_lost`.
 */
import type { Db } from "../../db.ts";
import { env } from "../../env.ts";
import { settleTurnReservations } from "../metering/lost-calls.ts";
import { failTurn, finishCancelled } from "./run-turn.ts";
import { activeTurnStatuses } from "./turn-machine.ts";

/** How long a turn's job may be missing or ended before the turn is called lost (a send commits
 * the turn and its job together, so a missing job is never a race with the send). */
const GRACE_SECONDS = 60;

export async function sweepLostTurns(db: Db, schema = env.PGBOSS_SCHEMA): Promise<number> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid pg-boss schema name ${schema}`);
  const lost = await db.$queryRawUnsafe<{ id: string; session_id: string; cancel_requested_at: Date | null }[]>(
    `SELECT t.id, t.session_id, t.cancel_requested_at
       FROM turns t LEFT JOIN ${schema}.job j ON j.name = 'turn.run' AND j.id = t.id
      WHERE t.status::text = ANY($2::text[])
        AND t.created_at < now() - make_interval(secs => $1)
        AND (j.id IS NULL OR j.state IN ('completed', 'failed', 'cancelled'))`,
    GRACE_SECONDS,
    [...activeTurnStatuses],
  );
  for (const turn of lost) {
    // The dead worker's call in flight still gets its ledger row, and its credits are no longer held.
    await settleTurnReservations(db, turn.id);
    if (turn.cancel_requested_at) await finishCancelled(db, { id: turn.id, sessionId: turn.session_id });
    else await failTurn(db, turn.id, "worker_lost", "The worker running this turn stopped and the turn could not be resumed; send it again.");
  }
  return lost.length;
}
