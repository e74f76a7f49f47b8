/**
 * Settings are validated at boot: a bad value (or a missing NEXTAUTH_SECRET in production) stops
 * `next start` with a message naming the variable instead of failing every request.
 */
try {
  await import("./server/env.ts");
  const { authSecret } = await import("./server/auth/options.ts");
  authSecret();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
export {};
