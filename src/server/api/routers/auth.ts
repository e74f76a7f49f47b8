import { z } from "zod";
import { createApiToken, listApiTokens, revokeApiToken } from "../../domain/auth/api-tokens.ts";
import { createTRPCRouter, protectedProcedure, sessionProcedure } from "../trpc.ts";

export const authRouter = createTRPCRouter({
  me: protectedProcedure.query(({ ctx }) => {
    const { id, email, name, role, status, createdAt } = ctx.user;
    return { id, email, name, role, status, createdAt };
  }),

  tokens: createTRPCRouter({
    list: protectedProcedure.query(({ ctx }) => listApiTokens(ctx.db, ctx.user.id)),

    /** The secret (`token`) is in this response only; it cannot be shown again. */
    create: sessionProcedure
      .input(
        z.object({
          name: z.string().trim().min(1, "Give the token a name").max(100),
          expiresInDays: z.number().int().min(1).max(3650).optional(),
        }),
      )
      .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.user.id, input)),

    revoke: sessionProcedure
      .input(z.object({ id: z.uuid() }))
      .mutation(({ ctx, input }) => revokeApiToken(ctx.db, ctx.user.id, input.id)),
  }),
});
