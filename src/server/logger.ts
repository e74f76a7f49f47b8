import pino from "pino";
import { env } from "./env.ts";

/** One structured logger for every process; `child({ component })` names the part that speaks. */
export const logger = pino({
  level: env.LOG_LEVEL,
  base: { pid: process.pid },
  redact: ["*.password", "*.token", "*.authorization", "*.DATABASE_URL"],
});
