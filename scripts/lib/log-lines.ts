/**
 * What `npm start` prints of its children's output. Their logs are pino JSON lines: on a terminal
 * they are shown through pino-pretty on one line each (time, level, message, fields; no pid or
 * host), elsewhere (a file, a log collector, a test) passed on as JSON, unchanged. Either way a
 * sign-in link from the development outbox is also printed as a plain line of its own, so a person
 * can find and click it. Anything that is not a log line (Next's banner, a stack trace) passes as is.
 */
import { prettyFactory } from "pino-pretty";

export interface LogLineOptions {
  /** Human-readable lines (pino-pretty) instead of JSON: when stdout is a terminal. */
  pretty: boolean;
  /** ANSI colours, with `pretty`. */
  colorize?: boolean;
}

interface LogRecord {
  level: number;
  msg?: string;
  to?: unknown;
  url?: unknown;
}

function parseRecord(line: string): LogRecord | null {
  if (!line.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === "object" && typeof (value as LogRecord).level === "number" ? (value as LogRecord) : null;
  } catch {
    return null;
  }
}

/** The plain line for a logged sign-in link (see src/server/auth/send-sign-in-email.ts), or null. */
export function signInLine(record: LogRecord): string | null {
  if (typeof record.url !== "string" || !/sign-in link/i.test(record.msg ?? "")) return null;
  return `Sign-in link for ${typeof record.to === "string" ? record.to : "you"}: ${record.url}`;
}

/** A formatter for one child's output: each line in, the lines to print out. */
export function logLineFormatter(options: LogLineOptions): (line: string) => string[] {
  const prettify = options.pretty
    ? prettyFactory({ colorize: options.colorize ?? false, singleLine: true, ignore: "pid,hostname", translateTime: "SYS:HH:MM:ss" })
    : null;
  return (line) => {
    const record = parseRecord(line);
    if (!record) return [line];
    const shown = prettify ? prettify(record).replace(/\n+$/, "") : line;
    const link = signInLine(record);
    return link ? [shown, link] : [shown];
  };
}
