/** A purge job's report (its output) as label and value pairs: `{ turnEvents: 40 }` → ["Turn events", "40"]. */
export function reportEntries(report: Record<string, unknown> | null): [string, string][] {
  if (!report) return [];
  return Object.entries(report).map(([key, value]) => {
    const label = key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    const text = value === null ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value);
    return [label[0]!.toUpperCase() + label.slice(1), text];
  });
}
