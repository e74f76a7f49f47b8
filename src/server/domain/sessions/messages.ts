/** `sessions.messages`: a session's conversation in `seq` order (never by timestamp). */
import { z } from "zod";
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";

export const listMessagesInput = z.object({
  sessionId: z.uuid(),
  /** The `seq` of the oldest message already shown: the page holds the messages before it. */
  cursor: z.string().regex(/^\d{1,18}$/, "Not a message cursor").optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /**
   * Instead of `cursor`: the messages after this `seq`, oldest first (`newerCursor` pages further
   * forward). Opening a search result: `cursor` = its seq + 1 shows the page that ends with it, then
   * `after` loads what came next, and `cursor` what came before.
   */
  after: z.string().regex(/^\d{1,18}$/, "Not a message cursor").optional(),
});

/** The newest `limit` messages before `cursor`, oldest first; `nextCursor` pages further back. */
export async function listMessages(db: Db, userId: string, input: z.infer<typeof listMessagesInput>) {
  const session = await db.chatSession.findFirst({ where: { id: input.sessionId, userId, deletedAt: null }, select: { id: true } });
  if (!session) throw new AppError("not_found", "No such session.");
  // Tool traces are the agents' private memory; people see a step's tool calls on the step.
  const visible = { sessionId: session.id, role: { not: "tool" as const } };
  if (input.after !== undefined && input.cursor === undefined) {
    const rows = await db.message.findMany({ where: { ...visible, seq: { gt: BigInt(input.after) } }, orderBy: { seq: "asc" }, take: input.limit + 1 });
    const items = rows.slice(0, input.limit).map((m) => ({ ...m, seq: m.seq.toString() }));
    return { items, nextCursor: items[0]?.seq ?? null, newerCursor: rows.length > input.limit ? items.at(-1)!.seq : null };
  }
  const rows = await db.message.findMany({
    where: { ...visible, ...(input.cursor ? { seq: { lt: BigInt(input.cursor) } } : {}) },
    orderBy: { seq: "desc" },
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const items = page.reverse().map((m) => ({ ...m, seq: m.seq.toString() }));
  return { items, nextCursor: rows.length > input.limit ? items[0]!.seq : null, newerCursor: null as string | null };
}
