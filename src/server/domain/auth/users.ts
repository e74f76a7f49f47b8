import type { Db } from "../../db.ts";
import type { UserRole } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";

export const userRoles = ["user", "analyst", "owner"] as const satisfies readonly UserRole[];

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** For operators: the user with this e-mail, created (active, role `user`) when missing. */
export async function ensureUserByEmail(db: Db, email: string) {
  const normalized = normalizeEmail(email);
  return db.user.upsert({ where: { email: normalized }, create: { email: normalized }, update: {} });
}

export async function setUserRole(db: Db, email: string, role: UserRole) {
  const { count } = await db.user.updateMany({ where: { email: normalizeEmail(email) }, data: { role } });
  if (count === 0) throw new AppError("not_found", `No user with e-mail ${email}.`);
  return db.user.findUniqueOrThrow({ where: { email: normalizeEmail(email) } });
}

export async function setUserStatus(db: Db, userId: string, status: "active" | "suspended") {
  return db.user.update({ where: { id: userId }, data: { status } });
}
