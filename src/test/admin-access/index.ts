import { analyticsCases } from "./analytics.ts";
import { auditCases } from "./audit.ts";
import { jobsCases } from "./jobs.ts";
import { plansCases } from "./plans.ts";
import { settingsCases } from "./settings.ts";
import { stripeCases } from "./stripe.ts";
import type { AccessCases } from "./types.ts";
import { usersCases } from "./users.ts";

export const adminAccessCases: AccessCases = { ...analyticsCases, ...usersCases, ...settingsCases, ...jobsCases, ...auditCases, ...plansCases, ...stripeCases };
export type { AccessCases, AdminWorld } from "./types.ts";
