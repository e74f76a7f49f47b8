import { z } from "zod";
import {
  createSession,
  createSessionInput,
  deleteSession,
  listSessions,
  listSessionsInput,
  renameSession,
  renameSessionInput,
  restoreSession,
} from "../../domain/sessions/sessions.ts";
import { exportSession, exportSessionInput } from "../../domain/sessions/export.ts";
import { searchSessions, searchSessionsInput } from "../../domain/sessions/search.ts";
import { listMessages, listMessagesInput } from "../../domain/sessions/messages.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const sessionsRouter = createTRPCRouter({
  create: protectedProcedure.input(createSessionInput).mutation(({ ctx, input }) => createSession(ctx.db, ctx.user.id, input)),
  list: protectedProcedure.input(listSessionsInput).query(({ ctx, input }) => listSessions(ctx.db, ctx.user.id, input)),
  messages: protectedProcedure.input(listMessagesInput).query(({ ctx, input }) => listMessages(ctx.db, ctx.user.id, input)),
  delete: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(({ ctx, input }) => deleteSession(ctx.db, ctx.user.id, input.id)),
  /** Within 7 days of `delete`; then `restore_window_expired`. */
  restore: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(({ ctx, input }) => restoreSession(ctx.db, ctx.user.id, input.id)),
  /** `{ id, title }` (1..120 characters, trimmed); emits `session_title`. */
  rename: protectedProcedure.input(renameSessionInput).mutation(({ ctx, input }) => renameSession(ctx.db, ctx.user.id, input)),
  /** Full-text search over all the user's sessions: `{ items, nextCursor }`, best match first; snippets are plain text with `highlights` offsets. */
  search: protectedProcedure.input(searchSessionsInput).query(({ ctx, input }) => searchSessions(ctx.db, ctx.user.id, input)),
  /** `{ filename, mimeType, content }` for a download: Markdown or JSON. */
  export: protectedProcedure.input(exportSessionInput).query(({ ctx, input }) => exportSession(ctx.db, ctx.user.id, input)),
});
