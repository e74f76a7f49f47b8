import { z } from "zod";
import { getMode, modeHistory, modeHistoryInput, setMode, setModeInput } from "../../domain/modes/room-mode.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const modeRouter = createTRPCRouter({
  get: protectedProcedure.input(z.object({ roomId: z.uuid() })).query(({ ctx, input }) => getMode(ctx.db, ctx.user.id, input.roomId)),
  /** Sets the pending mode; it becomes current on the room's next send. */
  set: protectedProcedure.input(setModeInput).mutation(({ ctx, input }) => setMode(ctx.db, ctx.user.id, input)),
  history: protectedProcedure.input(modeHistoryInput).query(({ ctx, input }) => modeHistory(ctx.db, ctx.user.id, input)),
});
