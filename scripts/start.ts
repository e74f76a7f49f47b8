/**
 * `npm start` (production build) and `npm run dev` (next dev, worker restarting on change).
 * One Ctrl-C or SIGTERM stops the web app, the worker and the embedded PostgreSQL, in that order.
 */
async function main() {
  // Imported here, not at the top, so an invalid setting is reported by the catch below.
  const { env } = await import("../src/server/env.ts");
  const { runStack } = await import("./lib/stack.ts");
  await runStack({ dev: process.argv.includes("--dev"), port: env.PORT });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error && error.name === "InvalidEnvError" ? error.message : error);
  process.exit(1);
});
