/**
 * Reading the admin audit log (PRODUCT.md 9): newest first, paged, filtered by actor, action and
 * target; each row with the keys its write changed, so before and after read as a diff.
 */
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client.ts";
import type { Db } from "../../db.ts";
import { text } from "../text.ts";

export const listAuditInput = z.object({
  /** Part of the actor's e-mail, or `cli` / `env`. */
  actor: text().trim().max(200).optional(),
  /** An action (`setting.update`), or a family of them with a trailing dot (`setting.`). */
  action: text().trim().max(100).optional(),
  targetType: text().trim().max(100).optional(),
  targetId: text().trim().max(200).optional(),
  cursor: z.uuid().optional(),
  limit: z.number().int().min(1).max(100).default(50),
});

export interface AuditChange {
  key: string;
  before: unknown;
  after: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The top-level keys whose value differs between before and after (a key only on one side counts).
 * A before or after that is not an object is compared whole, as the key `value`.
 */
export function auditChanges(before: unknown, after: unknown): AuditChange[] {
  const b = isRecord(before) ? before : before === null || before === undefined ? {} : { value: before };
  const a = isRecord(after) ? after : after === null || after === undefined ? {} : { value: after };
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).map((key) => ({ key, before: b[key] ?? null, after: a[key] ?? null }));
}


export async function listAudit(db: Db, input: z.infer<typeof listAuditInput>) {
  const where: Prisma.AdminAuditLogWhereInput[] = [];
  if (input.actor) where.push({ actorLabel: { contains: input.actor, mode: "insensitive" } });
  if (input.action) where.push(input.action.endsWith(".") ? { action: { startsWith: input.action } } : { action: input.action });
  if (input.targetType) where.push({ targetType: input.targetType });
  if (input.targetId) where.push({ targetId: input.targetId });
  if (input.cursor) {
    const cursor = await db.adminAuditLog.findUnique({ where: { id: input.cursor }, select: { createdAt: true, id: true } });
    if (!cursor) return { items: [], nextCursor: null };
    where.push({ OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] });
  }
  const rows = await db.adminAuditLog.findMany({ where: { AND: where }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: input.limit + 1 });
  const items = rows.slice(0, input.limit).map((r) => ({ ...r, changes: auditChanges(r.before, r.after) }));
  return { items, nextCursor: rows.length > input.limit ? items.at(-1)!.id : null };
}

/** What the filters can choose from: every action and target type recorded so far. */
export async function auditFacets(db: Db) {
  const [actions, targetTypes] = await Promise.all([
    db.$queryRaw<{ v: string }[]>`SELECT DISTINCT action AS v FROM admin_audit_logs ORDER BY 1`,
    db.$queryRaw<{ v: string }[]>`SELECT DISTINCT target_type AS v FROM admin_audit_logs ORDER BY 1`,
  ]);
  return { actions: actions.map((r) => r.v), targetTypes: targetTypes.map((r) => r.v) };
}
