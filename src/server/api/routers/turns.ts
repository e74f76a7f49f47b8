import { tracked } from "@trpc/server";
import { z } from "zod";
import { cancelTurn, getTurn, listTurns, listTurnsInput } from "../../domain/turns/turns.ts";
import { sendTurn, sendTurnInput } from "../../domain/turns/send-turn.ts";
import { editTurn, editTurnInput, regenerateTurn, regenerateTurnInput, retryStep, retryStepInput } from "../../domain/turns/message-actions.ts";
import { AppError } from "../../errors.ts";
import { getWebBoss } from "../../jobs/boss.ts";
import { streamSessionEvents } from "../../realtime/session-stream.ts";
import { watchAccount } from "../../realtime/account-watch.ts";
import { latestEventId } from "../../realtime/turn-events.ts";
import { createTRPCRouter, protectedProcedure } from "../trpc.ts";

export const turnEventsInput = z.object({
  sessionId: z.uuid(),
  /** Resume after this event (httpSubscriptionLink sends it back on reconnect); omitted: live events only. */
  lastEventId: z.string().regex(/^\d{1,18}$/, "Not an event id").nullish(),
});

export const turnsRouter = createTRPCRouter({
  send: protectedProcedure.input(sendTurnInput).mutation(async ({ ctx, input }) => sendTurn({ db: ctx.db, boss: await getWebBoss() }, ctx.user.id, input)),
  /** Message actions (message-actions.ts): each a new turn through the send path, idempotent per clientRequestId and per source. */
  retry: protectedProcedure.input(retryStepInput).mutation(async ({ ctx, input }) => retryStep({ db: ctx.db, boss: await getWebBoss() }, ctx.user.id, input)),
  regenerate: protectedProcedure.input(regenerateTurnInput).mutation(async ({ ctx, input }) => regenerateTurn({ db: ctx.db, boss: await getWebBoss() }, ctx.user.id, input)),
  edit: protectedProcedure.input(editTurnInput).mutation(async ({ ctx, input }) => editTurn({ db: ctx.db, boss: await getWebBoss() }, ctx.user.id, input)),
  byId: protectedProcedure.input(z.object({ id: z.uuid() })).query(({ ctx, input }) => getTurn(ctx.db, ctx.user.id, input.id)),
  list: protectedProcedure.input(listTurnsInput).query(({ ctx, input }) => listTurns(ctx.db, ctx.user.id, input)),
  cancel: protectedProcedure
    .input(z.object({ turnId: z.uuid() }))
    .mutation(async ({ ctx, input }) => cancelTurn({ db: ctx.db, boss: await getWebBoss() }, ctx.user.id, input.turnId)),

  /** The session's turn events over SSE, each `tracked` by its turn_events id (PRODUCT.md section 6). */
  events: protectedProcedure.input(turnEventsInput).subscription(async ({ ctx, input, signal }) => {
    // Checked before the stream is returned, not inside the generator: an AppError thrown while the
    // stream is iterated passes the middleware that maps it, so it reached the client as a 500
    // INTERNAL_SERVER_ERROR, which httpSubscriptionLink retries forever, instead of a NOT_FOUND.
    const session = await ctx.db.chatSession.findFirst({ where: { id: input.sessionId, userId: ctx.user.id, deletedAt: null }, select: { id: true } });
    if (!session) throw new AppError("not_found", "No such session.");
    const after = input.lastEventId ? BigInt(input.lastEventId) : await latestEventId(ctx.db, session.id);
    // The stream ends as soon as the user is suspended (PRODUCT.md 9); the next call is refused.
    const account = await watchAccount(ctx.db, ctx.user.id, signal ?? new AbortController().signal);
    return (async function* () {
      try {
        for await (const event of streamSessionEvents(ctx.db, session.id, after, account.signal)) {
          yield tracked(event.id, event);
        }
      } finally {
        account.stop();
      }
    })();
  }),
});
