/** Access cases of `admin.plans.*` (see types.ts). The owner's writes run in this order. */
import { randomUUID } from "node:crypto";
import type { AccessCases, AdminWorld } from "./types.ts";

const planId = async (w: AdminWorld, key: string) => (await w.db.plan.findUniqueOrThrow({ where: { key } })).id;

export const plansCases: AccessCases = {
  "admin.plans.list": { input: () => undefined },
  "admin.plans.forUser": { input: (w) => ({ userId: w.target.id }) },
  "admin.plans.create": { input: () => ({ key: `access-${randomUUID().slice(0, 8)}`, name: "Access test", monthlyCredits: "10", priceCents: 100 }) },
  "admin.plans.update": { input: async (w) => ({ planId: await planId(w, "pro"), name: "Pro" }) },
  // The default stays where it is (other cases rely on it): an unchanged default is still a recorded write.
  "admin.plans.setDefault": { input: async (w) => ({ planId: await planId(w, "free") }) },
  "admin.plans.assign": { input: async (w) => ({ userId: w.target.id, planId: await planId(w, "starter") }) },
  "admin.plans.creditPacks": { input: () => undefined },
  "admin.plans.setCreditPacks": { input: () => ({ packs: [{ id: "small", name: "Small", credits: "500", priceCents: 500 }] }) },
};
