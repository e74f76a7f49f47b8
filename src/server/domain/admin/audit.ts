/**
 * The admin audit log (PRODUCT.md 9): every admin write, from the console or the operator CLI, adds
 * one row in the same transaction as the write. Before and after are JSON views that never hold a
 * secret (an API key appears as its last 4 characters at most).
 */
import type { Prisma } from "@/generated/prisma/client.ts";

export interface AuditActor {
  /** The signed-in user; null for the operator CLI and start-up from env. */
  id: string | null;
  /** Readable after the user is gone: their email, `cli`, or `env`. */
  label: string;
}

export const cliActor: AuditActor = { id: null, label: "cli" };

export function actorOf(user: { id: string; email: string | null }): AuditActor {
  return { id: user.id, label: user.email ?? user.id };
}

export async function recordAudit(
  tx: Prisma.TransactionClient,
  actor: AuditActor,
  entry: { action: string; targetType: string; targetId: string; before?: unknown; after?: unknown },
): Promise<void> {
  const json = (value: unknown) => (value === undefined || value === null ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue));
  await tx.adminAuditLog.create({
    data: { actorId: actor.id, actorLabel: actor.label, action: entry.action, targetType: entry.targetType, targetId: entry.targetId, before: json(entry.before), after: json(entry.after) },
  });
}
