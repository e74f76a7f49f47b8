/** `admin.settings.*` (PRODUCT.md 9). Reads are staffProcedure (owners and analysts), writes ownerProcedure. */
import { actorOf } from "../../../domain/admin/audit.ts";
import { listSettings, resetSetting, resetSettingInput, setSettingInput, updateSetting } from "../../../domain/settings/admin-settings.ts";
import { createTRPCRouter, ownerProcedure, staffProcedure } from "../../trpc.ts";

export const settingsRouter = createTRPCRouter({
  /** Every key: value, default, whether set, and its form (group, label, help, input and bounds). */
  list: staffProcedure.query(({ ctx }) => listSettings(ctx.db)),
  /** One key, validated by its schema (BAD_REQUEST `invalid_input` with the reason); audited. */
  set: ownerProcedure.input(setSettingInput).mutation(({ ctx, input }) => updateSetting(ctx.db, actorOf(ctx.user), input)),
  /** Back to the default (the stored row is removed); audited. */
  reset: ownerProcedure.input(resetSettingInput).mutation(({ ctx, input }) => resetSetting(ctx.db, actorOf(ctx.user), input)),
});
