/** Access cases of `admin.audit.*` (see types.ts). */
import type { AccessCases } from "./types.ts";

export const auditCases: AccessCases = {};
