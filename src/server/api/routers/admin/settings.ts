/** `admin.settings.*` (PRODUCT.md 9). Reads are staffProcedure (owners and analysts), writes ownerProcedure. */
import { createTRPCRouter } from "../../trpc.ts";

export const settingsRouter = createTRPCRouter({});
