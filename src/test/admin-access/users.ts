/** Access cases of `admin.users.*` (see types.ts). The owner's writes run in this order. */
import type { AccessCases } from "./types.ts";

export const usersCases: AccessCases = {
  "admin.users.list": { input: () => ({ search: "example.com", limit: 10 }) },
  "admin.users.byId": { input: (w) => ({ userId: w.target.id }) },
  "admin.users.suspend": { input: (w) => ({ userId: w.target.id }) },
  "admin.users.reactivate": { input: (w) => ({ userId: w.target.id }) },
  // The target stays a plain user (other areas' cases may act on it): an unchanged role is still a recorded write.
  "admin.users.setRole": { input: (w) => ({ userId: w.target.id, role: "user" }) },
  "admin.users.adjustCredits": { input: (w) => ({ userId: w.target.id, direction: "grant", amount: "2.5", reason: "Access test grant" }) },
  "admin.users.setCaps": { input: (w) => ({ userId: w.target.id, dailyCap: "10", monthlyCap: null }) },
};
