/** Access cases of `admin.audit.*` (see types.ts). */
import type { AccessCases } from "./types.ts";

export const auditCases: AccessCases = {
  "admin.audit.list": { input: () => ({ action: "setting.", limit: 10 }) },
  "admin.audit.facets": { input: () => undefined },
};
