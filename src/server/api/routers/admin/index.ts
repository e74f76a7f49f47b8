/**
 * The admin console's API (PRODUCT.md 9): every read is for owners and analysts (`staffProcedure`),
 * every write for owners (`ownerProcedure`), and every write records one `admin_audit_logs` row in
 * its own transaction. src/server/api/admin-access.integration.test.ts enumerates every procedure
 * here: a new one fails it until its access case is listed (src/test/admin-access/).
 */
import { createTRPCRouter } from "../../trpc.ts";
import { analyticsRouter } from "./analytics.ts";
import { auditRouter } from "./audit.ts";
import { jobsRouter } from "./jobs.ts";
import { plansRouter } from "./plans.ts";
import { settingsRouter } from "./settings.ts";
import { stripeAdminRouter } from "./stripe.ts";
import { usersRouter } from "./users.ts";

export const adminRouter = createTRPCRouter({
  analytics: analyticsRouter,
  users: usersRouter,
  settings: settingsRouter,
  jobs: jobsRouter,
  audit: auditRouter,
  plans: plansRouter,
  stripe: stripeAdminRouter,
});
