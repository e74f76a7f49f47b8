/** Access cases of `admin.jobs.*` (see types.ts). */
import type { AccessCases } from "./types.ts";

export const jobsCases: AccessCases = {};
