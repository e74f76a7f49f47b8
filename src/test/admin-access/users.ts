/** Access cases of `admin.users.*` (see types.ts). */
import type { AccessCases } from "./types.ts";

export const usersCases: AccessCases = {};
