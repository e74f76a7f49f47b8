/**
 * A wait in words for a person ("in 26 minutes", "in 30 seconds", "in 2 hours"), for refusals such
 * as a rate limit whose Retry-After is in seconds: "Try again in 1570 s." is not how people talk.
 */
const rtf = new Intl.RelativeTimeFormat("en", { numeric: "always" });

export function waitInWords(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s === 0) return "now";
  if (s < 60) return rtf.format(s, "second");
  if (s < 3600) return rtf.format(Math.round(s / 60), "minute");
  if (s < 86_400) {
    const hours = Math.floor(s / 3600);
    const minutes = Math.round((s % 3600) / 60);
    // "in 1 hour" / "in 1 hour and 20 minutes": the minutes still matter at this scale.
    if (minutes === 0 || minutes === 60) return rtf.format(minutes === 60 ? hours + 1 : hours, "hour");
    return `${rtf.format(hours, "hour")} and ${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return rtf.format(Math.round(s / 86_400), "day");
}
