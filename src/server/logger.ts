import pino from "pino";
import pretty from "pino-pretty";
import { env } from "./env.ts";

const options: pino.LoggerOptions = {
  level: env.LOG_LEVEL,
  base: { pid: process.pid },
  redact: ["*.password", "*.token", "*.authorization", "*.DATABASE_URL"],
};

/**
 * One structured logger for every process; `child({ component })` names the part that speaks.
 * JSON lines, except when a person watches the terminal directly (`npm run worker` in a shell):
 * then one readable line each. Under `npm start` stdout is a pipe, and the starter formats the
 * lines itself (scripts/lib/log-lines.ts), so the JSON stays intact for anything else reading it.
 */
export const logger = process.stdout.isTTY && env.NODE_ENV !== "test"
  ? pino(options, pretty({ sync: true, singleLine: true, colorize: !process.env.NO_COLOR, ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss" }))
  : pino(options);
