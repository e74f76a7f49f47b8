/** Access cases of `admin.analytics.*` (see types.ts). */
import type { AccessCases } from "./types.ts";

export const analyticsCases: AccessCases = {};
