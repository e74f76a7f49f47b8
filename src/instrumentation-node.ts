/**
 * Settings are validated at boot: a bad value stops `next start` with a message naming the variable
 * instead of failing every request.
 */
try {
  await import("./server/env.ts");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
export {};
