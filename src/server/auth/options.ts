/**
 * NextAuth (v4) configuration: database sessions through the Prisma adapter (signing out deletes the
 * session row, so the old cookie stops working), e-mail magic links, and GitHub when configured.
 */
import { PrismaAdapter } from "@next-auth/prisma-adapter";
import type { NextAuthOptions } from "next-auth";
import EmailProvider from "next-auth/providers/email";
import GitHubProvider from "next-auth/providers/github";
import { getDb } from "../db.ts";
import { normalizeEmail } from "../domain/auth/users.ts";
import { env } from "../env.ts";
import { sendSignInEmail } from "./send-sign-in-email.ts";

export function githubEnabled(): boolean {
  return !!(env.GITHUB_ID && env.GITHUB_SECRET);
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
        normalizeIdentifier: normalizeEmail,
        sendVerificationRequest: ({ identifier, url }) => sendSignInEmail(db, { identifier, url }),
      }),
      ...(githubEnabled() ? [GitHubProvider({ clientId: env.GITHUB_ID!, clientSecret: env.GITHUB_SECRET! })] : []),
    ],
    callbacks: {
      // Suspended accounts cannot start new sessions either.
      async signIn({ user }) {
        if (!user.email) return true;
        const existing = await db.user.findUnique({ where: { email: normalizeEmail(user.email) }, select: { status: true } });
        return existing?.status === "suspended" ? "/signin?error=AccountSuspended" : true;
      },
    },
  };
}
