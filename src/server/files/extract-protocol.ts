/** The messages between the worker and its extraction child: checked on both sides of the process boundary. */
import { z } from "zod";
import { fileKinds } from "./file-kinds.ts";

export const extractRequest = z.object({ path: z.string().min(1), kind: z.enum(fileKinds) });
export type ExtractRequest = z.infer<typeof extractRequest>;

export const extractReply = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    sections: z.array(z.object({ page: z.number().int().min(1).nullable(), text: z.string() })),
    pages: z.number().int().min(0).nullable(),
  }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);
export type ExtractReply = z.infer<typeof extractReply>;
