/** Access cases of `admin.settings.*` (see types.ts). */
import type { AccessCases } from "./types.ts";

export const settingsCases: AccessCases = {
  "admin.settings.list": { input: () => undefined },
  "admin.settings.set": { input: () => ({ key: "orchestrator.max_rounds", value: 4 }) },
  "admin.settings.reset": { input: () => ({ key: "orchestrator.max_rounds" }) },
};
