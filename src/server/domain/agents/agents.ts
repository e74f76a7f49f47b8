/**
 * The agent library. Every function takes the owner: another user's agent behaves exactly like one
 * that does not exist (not_found).
 */
import { z } from "zod";
import { text } from "../text.ts";
import type { Db } from "../../db.ts";
import { isUniqueViolation } from "../../db-errors.ts";
import { AppError } from "../../errors.ts";
import { pageArgs, pageInput, toPage } from "../pagination.ts";
import { compactRoster, lockRoom } from "../rooms/roster.ts";
import { restoreCutoff, restoreWindowExpired } from "../retention/restore-window.ts";

export const agentKey = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "Use 1-64 lowercase letters, digits, '-' or '_', starting with a letter or digit");

const agentFields = {
  key: agentKey,
  name: text().trim().min(1, "Give the agent a name").max(100),
  // Checked against the catalog when saved (assertModelExists): a zod refine cannot read the database.
  modelAlias: z.string().trim().min(1, "Choose a model").max(64),
  rolePrompt: text().max(20_000),
  toolPermissions: z.array(z.enum(["search", "file_read"])).max(2).transform((t) => [...new Set(t)]),
};

export const createAgentInput = z.object({ ...agentFields, rolePrompt: agentFields.rolePrompt.default(""), toolPermissions: agentFields.toolPermissions.default([]) });
// No defaults here: a field left out of an update keeps its value.
export const updateAgentInput = z.object({ id: z.uuid(), ...agentFields }).partial().required({ id: true });
export const listAgentsInput = z.object({ ...pageInput, query: text().trim().max(100).optional() });

const live = (userId: string) => ({ userId, deletedAt: null });

export async function getAgent(db: Db, userId: string, id: string) {
  const agent = await db.agent.findFirst({ where: { id, ...live(userId) } });
  if (!agent) throw new AppError("not_found", "No such agent.");
  return agent;
}

export async function listAgents(db: Db, userId: string, input: z.infer<typeof listAgentsInput>) {
  if (input.cursor && !(await db.agent.count({ where: { id: input.cursor, userId } }))) return toPage([], input.limit);
  const rows = await db.agent.findMany({
    where: {
      ...live(userId),
      ...(input.query ? { OR: [{ name: { contains: input.query, mode: "insensitive" } }, { key: { contains: input.query.toLowerCase() } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    ...pageArgs(input),
  });
  return toPage(rows, input.limit);
}

/** An agent may name any model in the catalog; whether it can be used now is checked at send. */
async function assertModelExists(db: Db, alias: string | undefined) {
  if (alias === undefined) return;
  if (!(await db.llmModel.findUnique({ where: { alias }, select: { alias: true } }))) {
    throw new AppError("invalid_input", `Unknown model "${alias}": choose one from the model list.`, { field: "modelAlias" });
  }
}

export async function createAgent(db: Db, userId: string, input: z.infer<typeof createAgentInput>) {
  await assertModelExists(db, input.modelAlias);
  try {
    return await db.agent.create({ data: { ...input, userId } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `You already have an agent @${input.key}.`, { field: "key" });
    throw error;
  }
}

export async function updateAgent(db: Db, userId: string, input: z.infer<typeof updateAgentInput>) {
  const { id, ...changes } = input;
  await getAgent(db, userId, id);
  await assertModelExists(db, changes.modelAlias);
  try {
    return await db.agent.update({ where: { id }, data: changes });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `You already have an agent @${changes.key}.`, { field: "key" });
    throw error;
  }
}

/**
 * Soft delete; the agent leaves every roster it was on (positions stay dense). Lock order, here and
 * in addAgent: the agent row first, then rooms, so a concurrent add cannot put it back.
 */
export async function deleteAgent(db: Db, userId: string, id: string) {
  return db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM agents WHERE id = ${id}::uuid AND user_id = ${userId}::uuid AND deleted_at IS NULL FOR UPDATE`;
    if (!locked) throw new AppError("not_found", "No such agent.");
    const rosters = await tx.roomAgent.findMany({ where: { agentId: id }, select: { roomId: true }, orderBy: { roomId: "asc" } });
    for (const { roomId } of rosters) {
      await lockRoom(tx, roomId);
      await tx.roomAgent.delete({ where: { roomId_agentId: { roomId, agentId: id } } });
      await compactRoster(tx, roomId);
    }
    return tx.agent.update({ where: { id }, data: { deletedAt: new Date() } });
  });
}

/**
 * Brings back an agent deleted less than 7 days ago (PRODUCT.md 3), with its direct chats; it does
 * not go back on the rosters it left. Its `@key` must still be free among the owner's live agents
 * (`conflict` otherwise: rename the other one first). After 7 days it is `restore_window_expired`,
 * and the daily `retention.deleted` job removes it.
 */
export async function restoreAgent(db: Db, userId: string, id: string) {
  let count: number;
  try {
    ({ count } = await db.agent.updateMany({ where: { id, userId, deletedAt: { not: null, gte: restoreCutoff() } }, data: { deletedAt: null } }));
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const agent = await db.agent.findUniqueOrThrow({ where: { id } });
    throw new AppError("conflict", `You already have an agent @${agent.key}: rename it, then restore this one.`, { field: "key" });
  }
  if (count === 0) {
    const agent = await db.agent.findFirst({ where: { id, userId, deletedAt: { not: null } } });
    if (!agent) throw new AppError("not_found", "No deleted agent with that id.");
    throw restoreWindowExpired("Agents", agent.deletedAt!);
  }
  return db.agent.findUniqueOrThrow({ where: { id } });
}
