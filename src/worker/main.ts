/**
 * Entry point of the worker process. Settings are checked before anything else is loaded, so an
 * invalid value stops the process with a message naming the variable.
 */
import { loadSettingsOrExit } from "../server/load-settings.ts";

await loadSettingsOrExit();

const { runWorker } = await import("./run-worker.ts");
const { logger } = await import("../server/logger.ts");

await runWorker().catch((err: unknown) => {
  logger.fatal({ err }, "worker failed to start");
  process.exit(1);
});
