/** Access cases of `admin.stripe.*` (see types.ts). */
import type { AccessCases } from "./types.ts";

export const stripeCases: AccessCases = {
  "admin.stripe.events": { input: () => ({ limit: 10 }) },
};
