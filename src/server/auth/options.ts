/**
 * NextAuth (v4) configuration: database sessions through the Prisma adapter (signing out deletes the
 * session row, so the old cookie stops working), e-mail magic links, and GitHub when configured.
 */
import { PrismaAdapter } from "@next-auth/prisma-adapter";
import type { NextAuthOptions } from "next-auth";
import EmailProvider from "next-auth/providers/email";
import GitHubProvider from "next-auth/providers/github";
import { getDb } from "../db.ts";
import { hitRateLimit } from "../domain/auth/rate-limit.ts";
import { normalizeEmail, parseSignInEmail, promoteFirstUser } from "../domain/auth/users.ts";
import { env } from "../env.ts";
import { sendSignInEmail } from "./send-sign-in-email.ts";

export function githubEnabled(): boolean {
  return !!(env.GITHUB_ID && env.GITHUB_SECRET);
}

/** Where the app is served; NEXTAUTH_URL is required in production (checked at boot). */
export function authBaseUrl(): string {
  return env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`;
}

/** A page of ours with a sign-in error. Absolute: next-auth's client parses it with `new URL`. */
function signInError(error: string, extra: Record<string, string> = {}): string {
  const url = new URL("/signin", authBaseUrl());
  url.searchParams.set("error", error);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  return url.toString();
}

/** Production needs a stable secret from the environment; `npm start` provides one (see stack.ts). */
export function authSecret(): string | undefined {
  if (!env.NEXTAUTH_SECRET && env.NODE_ENV === "production") {
    throw new Error("NEXTAUTH_SECRET: required in production (e.g. `openssl rand -base64 32`)");
  }
  return env.NEXTAUTH_SECRET;
}

export function authOptions(): NextAuthOptions {
  const db = getDb();
  return {
    // The adapter is typed against @prisma/client's default client; ours is generated elsewhere
    // with the same models (User, Account, Session, VerificationToken).
    adapter: PrismaAdapter(db as unknown as Parameters<typeof PrismaAdapter>[0]),
    secret: authSecret(),
    session: { strategy: "database", maxAge: 30 * 24 * 3600, updateAge: 24 * 3600 },
    pages: { signIn: "/signin", verifyRequest: "/signin/check-email", error: "/signin" },
    providers: [
      EmailProvider({
        from: env.EMAIL_FROM,
        maxAge: 24 * 3600,
        normalizeIdentifier: parseSignInEmail,
        sendVerificationRequest: ({ identifier, url }) => sendSignInEmail(db, { identifier, url }),
      }),
      ...(githubEnabled()
        ? [
            GitHubProvider({
              clientId: env.GITHUB_ID!,
              clientSecret: env.GITHUB_SECRET!,
              // E-mails are stored lowercased everywhere, so a later magic link finds the same user.
              profile: (p) => ({ id: String(p.id), name: p.name ?? p.login, email: p.email ? normalizeEmail(p.email) : null, image: p.avatar_url }),
            }),
          ]
        : []),
    ],
    events: {
      // The first account of a fresh install runs it.
      async createUser({ user }) {
        await promoteFirstUser(db, user.id);
      },
    },
    callbacks: {
      async signIn({ user, email }) {
        if (!user.email) return true;
        const address = normalizeEmail(user.email);
        // Counted here, after next-auth's CSRF check and with the normalized address, so neither
        // another body format nor a spelling variant escapes the per-address limit.
        if (email?.verificationRequest) {
          const limit = await hitRateLimit(db, `signin:email:${address}`, env.SIGNIN_LIMIT_PER_EMAIL, env.SIGNIN_LIMIT_WINDOW_SECONDS);
          if (!limit.allowed) return signInError("RateLimited", { retryAfter: String(limit.retryAfterSeconds) });
        }
        // Suspended accounts cannot start new sessions either.
        const existing = await db.user.findUnique({ where: { email: address }, select: { status: true } });
        return existing?.status === "suspended" ? signInError("AccountSuspended") : true;
      },
    },
  };
}
