/**
 * Calendar-month periods of manual subscriptions. A month is added to the date's UTC day, clamped
 * to the last day of a shorter month (31 January + 1 month = 28 or 29 February), time kept.
 */
export function addMonthsUtc(date: Date, months: number): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const result = new Date(date);
  result.setUTCDate(1);
  result.setUTCFullYear(y, m, Math.min(date.getUTCDate(), lastDay));
  return result;
}

/**
 * The period containing `now`, counted in whole months from `anchor` (an ended period's end, which
 * is at or before `now`): [anchor + k months, anchor + (k+1) months) with the smallest such k. Each
 * boundary is computed from the anchor, not from the previous boundary, so day clamping does not drift.
 */
export function periodContaining(anchor: Date, now: Date): { start: Date; end: Date } {
  let k = Math.max(0, (now.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (now.getUTCMonth() - anchor.getUTCMonth()) - 1);
  while (addMonthsUtc(anchor, k + 1) <= now) k++;
  return { start: addMonthsUtc(anchor, k), end: addMonthsUtc(anchor, k + 1) };
}
