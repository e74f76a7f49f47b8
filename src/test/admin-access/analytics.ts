/** Access cases of `admin.analytics.*` (see types.ts): all reads, over the last 30 days. */
import type { AccessCases } from "./types.ts";

const period = () => {
  const to = new Date();
  return { from: new Date(to.getTime() - 30 * 86_400_000).toISOString(), to: to.toISOString() };
};

export const analyticsCases: AccessCases = {
  "admin.analytics.overview": { input: () => ({ ...period(), granularity: "week" }) },
  "admin.analytics.activeUsers": { input: () => period() },
  "admin.analytics.breakdown": { input: () => ({ ...period(), by: "user", limit: 5 }) },
  "admin.analytics.models": { input: () => period() },
  "admin.analytics.turns": { input: () => ({ ...period(), granularity: "month" }) },
};
