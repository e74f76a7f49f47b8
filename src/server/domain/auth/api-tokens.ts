/**
 * Personal access tokens for scripts. The secret is `pan_` + 43 url-safe characters (256 random
 * bits), shown once; only its SHA-256 is stored and looked up. A slow hash (scrypt, bcrypt) buys
 * nothing for secrets this long: it slows down guessing from a list of likely passwords, and 256
 * random bits cannot be guessed. The lookup compares hashes, not the token, so its timing tells
 * nothing about the token.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../../db.ts";
import type { User } from "@/generated/prisma/client.ts";
import { AppError } from "../../errors.ts";
import { userColumns } from "./users.ts";

export const TOKEN_PREFIX = "pan_";
const PREFIX_SHOWN = TOKEN_PREFIX.length + 6;
/** last_used_at is written at most this often per token, not on every request. */
const LAST_USED_GRANULARITY_S = 60;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function looksLikeToken(value: string): boolean {
  return /^pan_[A-Za-z0-9_-]{43}$/.test(value);
}

const tokenView = {
  id: true,
  name: true,
  prefix: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

export async function createApiToken(db: Pick<Db, "apiToken">, userId: string, input: { name: string; expiresInDays?: number }) {
  const token = generateToken();
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  const row = await db.apiToken.create({
    data: { userId, name: input.name, prefix: token.slice(0, PREFIX_SHOWN), tokenHash: hashToken(token), expiresAt },
    select: tokenView,
  });
  return { ...row, token };
}

export async function listApiTokens(db: Db, userId: string) {
  return db.apiToken.findMany({ where: { userId }, orderBy: { createdAt: "desc" }, select: tokenView });
}

/** Another user's token id behaves like one that does not exist. Revoking twice is harmless. */
export async function revokeApiToken(db: Db, userId: string, id: string) {
  const token = await db.apiToken.findFirst({ where: { id, userId }, select: { id: true, revokedAt: true } });
  if (!token) throw new AppError("not_found", "No such token.");
  if (!token.revokedAt) await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return db.apiToken.findUniqueOrThrow({ where: { id }, select: tokenView });
}

type TokenWithUser = User & { tokenId: string; revokedAt: Date | null; expiresAt: Date | null; lastUsedAt: Date | null };

/**
 * The user behind a live token, or null when it is unknown, revoked or expired. Runs on every
 * token-authenticated request, so the token and its user come back in one query. Nothing about
 * a token is cached between requests: a revoked or expired token is refused on the next one.
 */
export async function findUserByToken(db: Db, token: string): Promise<User | null> {
  if (!looksLikeToken(token)) return null;
  const now = new Date();
  const [row] = await db.$queryRaw<TokenWithUser[]>`
    SELECT t.id AS "tokenId", t.revoked_at AS "revokedAt", t.expires_at AS "expiresAt", t.last_used_at AS "lastUsedAt", ${userColumns("u")}
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ${hashToken(token)}`;
  if (!row) return null;
  const { tokenId, revokedAt, expiresAt, lastUsedAt, ...user } = row;
  if (revokedAt || (expiresAt && expiresAt <= now)) return null;
  if (!lastUsedAt || now.getTime() - lastUsedAt.getTime() > LAST_USED_GRANULARITY_S * 1000) {
    await db.apiToken.update({ where: { id: tokenId }, data: { lastUsedAt: now } });
  }
  return user;
}
