import { z } from "zod";

export const pageInput = {
  cursor: z.uuid().optional(),
  limit: z.number().int().min(1).max(100).default(20),
};

/** Prisma arguments for a newest-first page after `cursor` (an id), and how to cut the result. */
export function pageArgs(input: { cursor?: string; limit: number }) {
  return {
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
  };
}

export function toPage<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
