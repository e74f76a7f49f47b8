import { z } from "zod";
import { deleteFile, listFiles, listFilesInput } from "../../domain/files/files.ts";
import { getStorage } from "../../files/storage.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

/** Uploads go through `POST /api/rooms/:id/files` and `POST /api/sessions/:id/files` (raw bytes, not tRPC). */
export const filesRouter = createTRPCRouter({
  list: protectedProcedure.input(listFilesInput).query(({ ctx, input }) => listFiles(ctx.db, ctx.user.id, input)),
  delete: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(({ ctx, input }) => deleteFile({ db: ctx.db, storage: getStorage() }, ctx.user.id, input.id)),
});
