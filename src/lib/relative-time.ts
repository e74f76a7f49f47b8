/**
 * "just now", "5 minutes ago", "yesterday", "3 days ago", then a date: how the sidebar, the home
 * page and the timeline say when something happened. One helper so they all say it the same way.
 */
const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const dateFormat = new Intl.DateTimeFormat("en", { day: "numeric", month: "short", year: "numeric" });

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function relativeTime(date: Date | string | number, now: Date | number = Date.now()): string {
  const then = new Date(date).getTime();
  const seconds = Math.round((then - new Date(now).getTime()) / 1000);
  const abs = Math.abs(seconds);
  // Clocks disagree by a few seconds between server and browser: that is still "now".
  if (abs < 45) return "just now";
  if (abs < HOUR) return rtf.format(Math.round(seconds / MINUTE) || Math.sign(seconds), "minute");
  if (abs < DAY) return rtf.format(Math.round(seconds / HOUR), "hour");
  if (abs < 7 * DAY) return rtf.format(Math.round(seconds / DAY), "day");
  // Past a week a date reads better than "5 weeks ago".
  return dateFormat.format(then);
}
