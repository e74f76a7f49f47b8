/**
 * Who is calling: a personal API token (`Authorization: Bearer pan_…`) or the NextAuth database
 * session cookie. Both end at the same user row, so one status check covers both paths.
 */
import type { Db } from "../../db.ts";
import type { User } from "@/generated/prisma/client.ts";
import { findUserByToken } from "./api-tokens.ts";

export type AuthMethod = "token" | "cookie";

export interface Actor {
  user: User;
  method: AuthMethod;
}

/** NextAuth v4's cookie names: the `__Secure-` one is used when NEXTAUTH_URL is https. */
export const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export async function findUserBySessionToken(db: Db, sessionToken: string): Promise<User | null> {
  const session = await db.session.findUnique({ where: { sessionToken }, include: { user: true } });
  if (!session || session.expires <= new Date()) return null;
  return session.user;
}

export async function resolveActor(db: Db, headers: Headers): Promise<Actor | null> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const user = match?.[1] ? await findUserByToken(db, match[1]) : null;
    // A bad token is a failed sign-in, even when a cookie is also present.
    return user ? { user, method: "token" } : null;
  }
  const cookieHeader = headers.get("cookie");
  for (const name of SESSION_COOKIES) {
    const token = readCookie(cookieHeader, name);
    if (token) {
      const user = await findUserBySessionToken(db, token);
      return user ? { user, method: "cookie" } : null;
    }
  }
  return null;
}
