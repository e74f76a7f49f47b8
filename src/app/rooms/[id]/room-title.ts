import "server-only";

import { z } from "zod";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { getDb } from "@/server/db.ts";

/** The name of the signed-in user's live room, for the tab's title; null when it is not theirs or not there. */
export async function roomNameFor(id: string): Promise<string | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const user = await getCurrentUser();
  if (!user) return null;
  const room = await getDb().room.findFirst({ where: { id, userId: user.id, deletedAt: null }, select: { name: true } });
  return room?.name ?? null;
}

/** The name of the signed-in user's agent, for a direct chat's tab title. */
export async function agentNameFor(id: string): Promise<string | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const user = await getCurrentUser();
  if (!user) return null;
  const agent = await getDb().agent.findFirst({ where: { id, userId: user.id, deletedAt: null }, select: { name: true } });
  return agent?.name ?? null;
}
