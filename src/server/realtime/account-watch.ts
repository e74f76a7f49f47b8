/**
 * Suspension takes effect on open streams at once (PRODUCT.md 9): a subscriber's stream is tied to
 * an AbortSignal that aborts when its user is no longer active. Suspending NOTIFYs
 * `pantheon_user_status` with the user's id (src/server/domain/admin/users.ts), which every web
 * process hears on its one LISTEN connection; a check every few seconds covers a notice lost while
 * that connection was down, and suspensions made by other means (SQL).
 */
import type { Db } from "../db.ts";
import { logger } from "../logger.ts";
import { getListener } from "./listener.ts";

/** A user's status changed (payload `{ u: userId }`): open streams of that user re-check it. */
export const USER_STATUS_CHANNEL = "pantheon_user_status";
const RECHECK_MS = 5_000;

async function isActive(db: Db, userId: string): Promise<boolean> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { status: true } });
  return user?.status === "active";
}

/**
 * A signal that aborts when `signal` does, or when the user is found suspended (or gone). Watching
 * stops when it aborts, or on `stop()` (call it when the stream ends).
 */
export async function watchAccount(db: Db, userId: string, signal: AbortSignal): Promise<{ signal: AbortSignal; stop: () => void }> {
  const controller = new AbortController();
  let stopped = false;
  const check = () => {
    if (stopped) return;
    isActive(db, userId)
      .then((active) => {
        if (!active) controller.abort(new Error("account suspended"));
      })
      .catch((err: unknown) => logger.warn({ err, userId }, "could not check an account's status"));
  };
  const unsubscribe = await getListener()
    .subscribe(USER_STATUS_CHANNEL, (payload) => {
      try {
        if ((JSON.parse(payload) as { u?: unknown }).u === userId) check();
      } catch {
        // Not ours to read: ignored.
      }
    })
    .catch((err: unknown) => {
      // Without LISTEN the periodic check still ends the stream within seconds.
      logger.warn({ err }, "could not listen for account status changes");
      return null;
    });
  const timer = setInterval(check, RECHECK_MS);
  timer.unref();
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    signal.removeEventListener("abort", onAbort);
    void unsubscribe?.().catch(() => undefined);
  };
  const onAbort = () => controller.abort(signal.reason);
  // Whichever ends it, nothing is left watching.
  controller.signal.addEventListener("abort", stop, { once: true });
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  // A suspension committed between the caller's status check and the LISTEN above.
  check();
  return { signal: controller.signal, stop };
}
