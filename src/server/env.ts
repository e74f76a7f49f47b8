/**
 * Every setting Pantheon reads from the environment, validated once. Web, worker, CLI, scripts and
 * tests all import this module, so a bad value stops any process with a message naming the variable.
 * Keep this file free of heavy imports: prisma.config.ts loads it too.
 */
import { z } from "zod";

// Next.js loads .env itself; this gives the worker, the CLI, the scripts and Prisma the same values.
// Variables already set in the environment win. Tests never read a developer's .env.
if (!process.env.VITEST) {
  try {
    process.loadEnvFile();
  } catch {
    // no .env file
  }
}

const port = z.coerce.number().int().min(1).max(65535);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// or postgresql:// URL" })
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  PORT: port.default(3000),
  PANTHEON_DATA_DIR: z.string().min(1).default(".pantheon"),
  PANTHEON_PG_PORT: port.default(54329),
  PGBOSS_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, "must be a lowercase SQL identifier")
    .default("pgboss"),
  PGBOSS_LISTEN_NOTIFY: z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PANTHEON_URL: z.url().default("http://localhost:3000"),
  PANTHEON_TOKEN: z.string().min(1).optional(),
});

export type Env = z.infer<typeof schema>;

export class InvalidEnvError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      "Invalid settings:\n" + issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n") +
        "\nSee .env.example for every variable and its meaning.",
    );
    this.name = "InvalidEnvError";
  }
}

/** Empty strings count as unset, as in most .env tooling. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new InvalidEnvError(
      result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "?"), message: issue.message })),
    );
  }
  return result.data;
}

export const env: Env = parseEnv(process.env);
