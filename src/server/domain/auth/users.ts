import type { Db } from "../../db.ts";
import { Prisma, type UserRole } from "@/generated/prisma/client.ts";
import { z } from "zod";
import { AppError } from "../../errors.ts";

export const userRoles = ["user", "analyst", "owner"] as const satisfies readonly UserRole[];

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * One plain address, normalized; anything else (lists, quotes, display names) is refused, so a
 * sign-in request can never reach several recipients or create a user with a junk address.
 */
export function parseSignInEmail(input: string): string {
  const email = normalizeEmail(input);
  if (/[\s,;"'<>()\\]/.test(email) || !z.email().safeParse(email).success) {
    throw new AppError("invalid_input", "Enter a single e-mail address like you@example.com.");
  }
  return email;
}

/**
 * Every column of `users`, named as Prisma's `User` names them, for the raw queries that find a
 * credential (API token, session) and its user in one round trip: Prisma loads an included
 * relation with a second query. `alias` is the query's alias for `users`. The auth tests check
 * that a user read this way equals the one Prisma reads, so a new column cannot be missed here.
 */
export function userColumns(alias: string): Prisma.Sql {
  if (!/^[a-z_]+$/.test(alias)) throw new Error(`not a plain SQL alias: ${alias}`);
  const u = alias;
  return Prisma.raw(
    `${u}.id, ${u}.name, ${u}.email, ${u}.email_verified AS "emailVerified", ${u}.image, ${u}.role::text AS role, ` +
      `${u}.status::text AS status, ${u}.created_at AS "createdAt", ${u}.updated_at AS "updatedAt", ` +
      `${u}.stripe_customer_id AS "stripeCustomerId"`,
  );
}

/** For operators: the user with this e-mail, created (active, role `user`) when missing. */
export async function ensureUserByEmail(db: Pick<Db, "user">, email: string) {
  const normalized = normalizeEmail(email);
  return db.user.upsert({ where: { email: normalized }, create: { email: normalized }, update: {} });
}

/**
 * The first account of a fresh install becomes its owner (PRODUCT.md 9): called when sign-in
 * creates a user, it promotes them while the install has no owner and nobody else has ever signed
 * in before them (a verified e-mail or a linked account; users an operator created with the CLI do
 * not count). So owners who step down never hand the install to the next stranger who signs up, and
 * of two first sign-ins at once only the earlier is promoted, whichever's event runs first (the lock
 * makes them take turns). Returns whether it promoted.
 */
export async function promoteFirstUser(db: Db, userId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('pantheon:first-owner'))`;
    const promoted = await tx.$executeRaw`
      UPDATE users SET role = 'owner', updated_at = now()
      WHERE id = ${userId}::uuid
        AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'owner')
        -- Nobody signed in before this user (earlier by creation, then id).
        AND NOT EXISTS (
          SELECT 1 FROM users other, users me
          WHERE me.id = ${userId}::uuid AND other.id <> me.id AND (other.created_at, other.id) < (me.created_at, me.id)
            AND (other.email_verified IS NOT NULL OR EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = other.id)))`;
    return promoted > 0;
  });
}

export async function setUserRole(db: Db, email: string, role: UserRole) {
  const { count } = await db.user.updateMany({ where: { email: normalizeEmail(email) }, data: { role } });
  if (count === 0) throw new AppError("not_found", `No user with e-mail ${email}.`);
  return db.user.findUniqueOrThrow({ where: { email: normalizeEmail(email) } });
}

export async function setUserStatusByEmail(db: Db, email: string, status: "active" | "suspended") {
  const { count } = await db.user.updateMany({ where: { email: normalizeEmail(email) }, data: { status } });
  if (count === 0) throw new AppError("not_found", `No user with e-mail ${email}.`);
  return db.user.findUniqueOrThrow({ where: { email: normalizeEmail(email) } });
}

