/**
 * Entry point of the worker process. Settings are checked before anything else is loaded, so an
 * invalid value stops the process with a message naming the variable.
 */
try {
  await import("../server/env.ts");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const { runWorker } = await import("./run-worker.ts");
const { logger } = await import("../server/logger.ts");

await runWorker().catch((err: unknown) => {
  logger.fatal({ err }, "worker failed to start");
  process.exit(1);
});
export {};
