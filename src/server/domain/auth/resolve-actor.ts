/**
 * Who is calling: a personal API token (`Authorization: Bearer pan_…`) or the NextAuth database
 * session cookie. Both end at the same user row, so one status check covers both paths.
 */
import type { Db } from "../../db.ts";
import { env } from "../../env.ts";
import type { User } from "@/generated/prisma/client.ts";
import { findUserByToken, TOKEN_PREFIX } from "./api-tokens.ts";
import { userColumns } from "./users.ts";

export type AuthMethod = "token" | "cookie";

export interface Actor {
  user: User;
  method: AuthMethod;
}

/**
 * NextAuth v4's session cookie: `__Secure-` prefixed when NEXTAUTH_URL is https. Only that name is
 * accepted then, so a cookie planted over plain HTTP or by a sibling subdomain is ignored.
 */
export function sessionCookieName(): string {
  return env.NEXTAUTH_URL?.startsWith("https://") ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join("="));
    } catch {
      return null; // malformed escapes: treated as no cookie, never a 500
    }
  }
  return null;
}

/** The user behind a live session; the session and its user in one query, as for tokens. */
export async function findUserBySessionToken(db: Db, sessionToken: string): Promise<User | null> {
  const now = new Date();
  const [row] = await db.$queryRaw<(User & { sessionExpires: Date })[]>`
    SELECT s.expires AS "sessionExpires", ${userColumns("u")}
    FROM auth_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.session_token = ${sessionToken}`;
  if (!row) return null;
  const { sessionExpires, ...user } = row;
  return sessionExpires <= now ? null : user;
}

export async function resolveActor(db: Db, headers: Headers): Promise<Actor | null> {
  // Only our own tokens take the token path: other Authorization headers (a proxy's Basic auth,
  // an SSO proxy's bearer) are not ours and leave the cookie in charge.
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization") ?? "")?.[1];
  if (bearer?.startsWith(TOKEN_PREFIX)) {
    const user = await findUserByToken(db, bearer);
    // A bad token is a failed sign-in, even when a cookie is also present.
    return user ? { user, method: "token" } : null;
  }
  const sessionToken = readCookie(headers.get("cookie"), sessionCookieName());
  if (!sessionToken) return null;
  const user = await findUserBySessionToken(db, sessionToken);
  return user ? { user, method: "cookie" } : null;
}
