import { z } from "zod";
import { createSession, createSessionInput, deleteSession, listSessions, listSessionsInput, restoreSession } from "../../domain/sessions/sessions.ts";
import { listMessages, listMessagesInput } from "../../domain/sessions/messages.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const sessionsRouter = createTRPCRouter({
  create: protectedProcedure.input(createSessionInput).mutation(({ ctx, input }) => createSession(ctx.db, ctx.user.id, input)),
  list: protectedProcedure.input(listSessionsInput).query(({ ctx, input }) => listSessions(ctx.db, ctx.user.id, input)),
  messages: protectedProcedure.input(listMessagesInput).query(({ ctx, input }) => listMessages(ctx.db, ctx.user.id, input)),
  delete: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(({ ctx, input }) => deleteSession(ctx.db, ctx.user.id, input.id)),
  /** Within 7 days of `delete`; then `restore_window_expired`. */
  restore: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(({ ctx, input }) => restoreSession(ctx.db, ctx.user.id, input.id)),
});
