/**
 * Why a running turn stops, decided in one place (PRODUCT.md 5.2, cancel and crash):
 *
 * - `owner_cancel`: the owner asked (turns.cancel sets `cancel_requested_at`). The call in flight is
 *   aborted, its partial text kept, and the turn ends `cancelled`.
 * - `worker_shutdown`: this worker is stopping (SIGTERM). The turn is left as it is for the job's
 *   next attempt, which resumes it.
 * - `job_expired`: pg-boss took the job back from this worker (its claim was lost or it ran past its
 *   expiry). Likewise left for the next attempt.
 *
 * A worker that died aborts nothing: the next attempt finds its step still `running` and settles
 * that call as `worker_lost` (step-runner.ts), or the sweep ends a turn whose job is gone
 * (sweep-turns.ts).
 *
 * The abort reason travels on the AbortSignal as a `TurnStop`, so code that sees an aborted call
 * reads why from the signal instead of asking the database.
 */
import type { Db } from "../../db.ts";

export type StopReason = "owner_cancel" | "worker_shutdown" | "job_expired";

/** Thrown (and carried as an abort reason) when a turn stops before its plan is done. */
export class TurnStop extends Error {
  constructor(readonly reason: StopReason) {
    super(reason === "owner_cancel" ? "The turn was cancelled by its owner." : `The turn stopped: ${reason.replace("_", " ")}.`);
    this.name = "TurnStop";
  }

  /** Whether the turn ends now (cancelled) rather than waiting for the job's next attempt. */
  get endsTurn(): boolean {
    return this.reason === "owner_cancel";
  }
}

/** The reason an aborted signal carries; an abort without one (a bare `abort()`) is the job being taken away. */
export function stopReasonOf(signal: AbortSignal): StopReason | null {
  if (!signal.aborted) return null;
  return signal.reason instanceof TurnStop ? signal.reason.reason : "job_expired";
}

/**
 * The signal a job's work runs under: the job's own (pg-boss aborts it when the job's claim is lost,
 * or when a stopping worker gives up waiting), with the reason told apart by whether this worker is
 * stopping.
 */
export function jobStopSignal(jobSignal: AbortSignal, workerStopping: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const onAbort = () => controller.abort(new TurnStop(workerStopping.aborted ? "worker_shutdown" : "job_expired"));
  if (jobSignal.aborted) onAbort();
  else jobSignal.addEventListener("abort", onAbort, { once: true });
  return controller.signal;
}

const OWNER_CHECK_MS = 1000;

/**
 * Watches one running turn: aborts with `owner_cancel` once its owner has asked to cancel (read
 * every second while a call runs, and before each step starts), or with the job's own reason.
 * The owner's request is in the database, not in process memory, so it reaches the worker that
 * runs the turn whichever process took the request — and a worker that picks the turn up again
 * after a crash sees it at once.
 */
export class TurnWatch {
  private readonly owner = new AbortController();
  readonly signal: AbortSignal;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  /** The owner's request was just read (with the turn): the next check need not read it again. */
  private fresh = false;

  constructor(
    private readonly db: Db,
    private readonly turnId: string,
    jobSignal: AbortSignal,
    /** Summaries run on a finished turn: its owner cannot cancel them. */
    private readonly ownerMayCancel = true,
  ) {
    this.signal = AbortSignal.any([jobSignal, this.owner.signal]);
  }

  /** Why the turn is stopping, or null while it may go on. */
  get reason(): StopReason | null {
    return stopReasonOf(this.signal);
  }

  /** Reads the owner's request now (before a step starts, so a cancel between two calls starts none). */
  async check(): Promise<StopReason | null> {
    if (this.fresh) this.fresh = false;
    else if (!this.signal.aborted && this.ownerMayCancel) {
      const turn = await this.db.turn.findUnique({ where: { id: this.turnId }, select: { cancelRequestedAt: true } });
      if (turn?.cancelRequestedAt) this.owner.abort(new TurnStop("owner_cancel"));
    }
    return this.reason;
  }

  /** What the turn's row said when it was loaded, so the first step does not read it again. */
  seen(cancelRequestedAt: Date | null): this {
    if (cancelRequestedAt && this.ownerMayCancel) this.owner.abort(new TurnStop("owner_cancel"));
    else this.fresh = true;
    return this;
  }

  /** Polls while a call is in flight, so a cancel aborts it within about a second. */
  start(): this {
    if (!this.ownerMayCancel || this.timer) return this;
    this.timer = setInterval(() => {
      if (this.checking || this.signal.aborted) return;
      this.checking = true;
      // A check that could not run is tried again a second later.
      this.check()
        .catch(() => undefined)
        .finally(() => (this.checking = false));
    }, OWNER_CHECK_MS);
    this.timer.unref();
    return this;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
