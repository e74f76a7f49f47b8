/**
 * Settings are validated at boot: a bad value (or a missing NEXTAUTH_SECRET in production) stops
 * `next start` with a message naming the variable instead of failing every request.
 */
try {
  const { env } = await import("./server/env.ts");
  const { authSecret } = await import("./server/auth/options.ts");
  authSecret();
  if (env.NODE_ENV === "production" && !env.NEXTAUTH_URL) {
    throw new Error("NEXTAUTH_URL: required in production: the public URL of the app (https://… makes cookies Secure)");
  }
  const local = !env.NEXTAUTH_URL || /^https?:\/\/(localhost|127\.0\.0\.1)(:|\/|$)/.test(env.NEXTAUTH_URL);
  if (env.NODE_ENV === "production" && env.AUTH_DEV_OUTBOX && !local) {
    console.warn("AUTH_DEV_OUTBOX is on in production: anyone who can open /dev/outbox can sign in as any user. Use it only for test deployments.");
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
export {};
