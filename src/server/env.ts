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
const bool = (fallback: "true" | "false") =>
  z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .default(fallback)
    .transform((v) => v === "true" || v === "1");

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
  PGBOSS_LISTEN_NOTIFY: bool("true"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // --- Accounts (NextAuth) ---
  NEXTAUTH_URL: z.url().optional(),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. openssl rand -base64 32)").optional(),
  EMAIL_SERVER: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional(),
  EMAIL_FROM: z.string().min(3).default("Pantheon <no-reply@pantheon.localhost>"),
  GITHUB_ID: z.string().min(1).optional(),
  GITHUB_SECRET: z.string().min(1).optional(),
  AUTH_DEV_OUTBOX: bool("false"),
  SIGNIN_LIMIT_PER_EMAIL: z.coerce.number().int().min(1).default(5),
  SIGNIN_LIMIT_PER_IP: z.coerce.number().int().min(1).default(20),
  SIGNIN_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((v, ctx) => {
      const origins = v.split(",").map((o) => o.trim()).filter(Boolean);
      for (const origin of origins) {
        if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
          ctx.addIssue({ code: "custom", message: `"${origin}" is not an origin like https://app.example.com` });
        }
      }
      return origins;
    }),
  // --- Models and providers (PRODUCT.md 13) ---
  // Encrypts provider API keys at rest: 32 bytes, base64 or hex. `npm start` generates one.
  PANTHEON_ENCRYPTION_KEY: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, "must be 32 bytes in base64 or hex (e.g. openssl rand -base64 32)")
    .optional(),
  // Each creates or updates its provider at start (the key stays in the environment).
  OPENROUTER_API_KEY: z.string().min(1).optional(),
  // Where the OpenRouter provider made from OPENROUTER_API_KEY sends its calls (a proxy or gateway).
  LLM_BASE_URL: z.url().optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OLLAMA_BASE_URL: z.url().optional(),
  LLM_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  // The offline model streams one token per this many milliseconds (0: as fast as it can).
  LOCAL_MODEL_TOKEN_MS: z.coerce.number().int().min(0).max(1000).default(30),
  // --- Tools and files (PRODUCT.md 8) ---
  // Web search: Tavily (the key goes in the Authorization header) or a self-hosted SearXNG (its JSON
  // API must be enabled). Tavily wins when both are set; with neither, the search tool is unavailable.
  TAVILY_API_KEY: z.string().min(1).optional(),
  TAVILY_BASE_URL: z.url().default("https://api.tavily.com"),
  SEARXNG_URL: z.url().optional(),
  // Uploaded files go to the local disk under PANTHEON_DATA_DIR unless S3_BUCKET is set; then to
  // that S3-compatible bucket (S3_ENDPOINT for MinIO, R2 and the like).
  S3_BUCKET: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ENDPOINT: z.url().optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  // The text extractor runs in a child process with these limits, so a hostile file cannot wedge the worker.
  FILE_PARSE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  FILE_PARSE_MEMORY_MB: z.coerce.number().int().min(64).max(8192).default(512),
  // --- Plans and payments (PRODUCT.md 14) ---
  // Without STRIPE_SECRET_KEY, payments are "not configured": owners assign plans by hand and a
  // scheduled job grants each period. The webhook secret verifies POST /api/stripe/webhook.
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_PUBLISHABLE_KEY: z.string().min(1).optional(),
  // Another Stripe API endpoint (a local stand-in in tests and demos); unset: Stripe's own.
  STRIPE_API_BASE: z.url().optional(),
  // --- CLI ---
  PANTHEON_URL: z.url().default("http://localhost:3000"),
  PANTHEON_TOKEN: z.string().min(1).optional(),
});

export type Env = z.infer<typeof schema>;

/** Both halves of a pair must be set together. */
function checkPairs(env: Env): { variable: string; message: string }[] {
  if (!!env.GITHUB_ID !== !!env.GITHUB_SECRET) {
    return [{ variable: env.GITHUB_ID ? "GITHUB_SECRET" : "GITHUB_ID", message: "GITHUB_ID and GITHUB_SECRET go together" }];
  }
  if (!!env.STRIPE_SECRET_KEY !== !!env.STRIPE_WEBHOOK_SECRET) {
    return [{ variable: env.STRIPE_SECRET_KEY ? "STRIPE_WEBHOOK_SECRET" : "STRIPE_SECRET_KEY", message: "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together" }];
  }
  return [];
}

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
  const pairIssues = checkPairs(result.data);
  if (pairIssues.length) throw new InvalidEnvError(pairIssues);
  return result.data;
}

export const env: Env = parseEnv(process.env);
