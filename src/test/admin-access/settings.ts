/** Access cases of `admin.settings.*` (see types.ts). */
import type { AccessCases } from "./types.ts";

export const settingsCases: AccessCases = {};
