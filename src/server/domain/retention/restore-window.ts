/**
 * The 7-day restore of soft-deleted rooms, sessions and agents (PRODUCT.md 3): inside the window a
 * restore brings the row back; after it the row is refused with `restore_window_expired` and the
 * daily purge removes it for good.
 */
import { AppError } from "../../errors.ts";
import { RESTORE_WINDOW_DAYS } from "../rooms/rooms.ts";

/** Rows deleted before this are past their restore window. */
export function restoreCutoff(now = new Date()): Date {
  return new Date(now.getTime() - RESTORE_WINDOW_DAYS * 86_400_000);
}

export function restoreWindowExpired(what: string, deletedAt: Date): AppError {
  return new AppError(
    "restore_window_expired",
    `${what} can be restored for ${RESTORE_WINDOW_DAYS} days after deletion; this one was deleted on ${deletedAt.toISOString().slice(0, 10)}.`,
    { deletedAt: deletedAt.toISOString(), restoreWindowDays: RESTORE_WINDOW_DAYS },
  );
}
