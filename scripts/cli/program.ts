/**
 * The commands of `npm run pantheon -- <command>`. API commands go through the same typed tRPC API
 * the browser uses (PANTHEON_URL, PANTHEON_TOKEN); operator commands work on the database directly.
 */
import { Command } from "commander";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { env } from "../../src/server/env.ts";
import type { AppRouter } from "../../src/server/api/root.ts";
import { createDb, type Db } from "../../src/server/db.ts";
import { createApiToken } from "../../src/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail, setUserRole, setUserStatusByEmail, userRoles } from "../../src/server/domain/auth/users.ts";

function apiClient(baseUrl: string, token: string | undefined) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: new URL("/api/trpc", baseUrl).toString(),
        transformer: superjson,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

async function withDb(fn: (db: Db) => Promise<void>) {
  const db = createDb();
  try {
    await fn(db);
  } finally {
    await db.$disconnect();
  }
}

function describeError(error: unknown, baseUrl: string): string {
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    if (!error.data && /fetch failed|ECONNREFUSED/i.test(String(error.cause ?? error.message))) {
      return `Cannot reach Pantheon at ${baseUrl}. Is it running? (set PANTHEON_URL to point elsewhere)`;
    }
    return code ? `${error.message} [${code}]` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function run(argv: string[]) {  const api = apiClient(env.PANTHEON_URL, env.PANTHEON_TOKEN);
  const program = new Command("pantheon").description("Pantheon command-line client").showHelpAfterError();

  program
    .command("health")
    .description("print the health report as JSON; exits 1 unless the API answers and is not down")
    .action(async () => {
      const report = await api.health.check.query();
      console.log(JSON.stringify(report, null, 2));
      if (report.status === "down") process.exitCode = 1;
    });

  program
    .command("ping")
    .description("round-trip a job through the worker and print the time it took (needs PANTHEON_TOKEN)")
    .action(async () => {
      const result = await api.health.ping.mutate();
      console.log(JSON.stringify(result, null, 2));
    });

  program
    .command("whoami")
    .description("print the user PANTHEON_TOKEN belongs to")
    .action(async () => {
      if (!env.PANTHEON_TOKEN) throw new Error("Set PANTHEON_TOKEN to an API token (create one on the Account page or with `tokens create`).");
      console.log(JSON.stringify(await api.auth.me.query(), null, 2));
    });

  // Operator commands: they work on the database directly (DATABASE_URL, or the embedded one).
  const tokens = program.command("tokens").description("API tokens (operator: direct database access)");
  tokens
    .command("create")
    .description("create an API token for the user with this e-mail (creating the user if needed); prints the token")
    .requiredOption("--email <email>", "the user's e-mail")
    .option("--name <name>", "what the token is for", "cli")
    .option("--expires-in-days <days>", "expire the token after this many days")
    .action(async (opts: { email: string; name: string; expiresInDays?: string }) => {
      const days = opts.expiresInDays === undefined ? undefined : Number(opts.expiresInDays);
      if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new Error("--expires-in-days must be a whole number of days");
      await withDb(async (db) => {
        const user = await ensureUserByEmail(db, opts.email);
        const created = await createApiToken(db, user.id, { name: opts.name, expiresInDays: days });
        // Only the token on stdout, so scripts can capture it: PANTHEON_TOKEN=$(npm run -s pantheon -- tokens create …)
        console.log(created.token);
        console.error(`token "${created.name}" for ${user.email}${created.expiresAt ? `, expires ${created.expiresAt.toISOString()}` : ""}`);
      });
    });

  const users = program.command("users").description("users (operator: direct database access)");
  users
    .command("set-role")
    .description("set a user's role")
    .requiredOption("--email <email>", "the user's e-mail")
    .requiredOption("--role <role>", `one of ${userRoles.join(", ")}`)
    .action(async (opts: { email: string; role: string }) => {
      const role = userRoles.find((r) => r === opts.role);
      if (!role) throw new Error(`--role must be one of ${userRoles.join(", ")}`);
      await withDb(async (db) => {
        const user = await setUserRole(db, opts.email, role);
        console.log(`${user.email} is now ${user.role}`);
      });
    });

  for (const [command, status] of [["suspend", "suspended"], ["reactivate", "active"]] as const) {
    users
      .command(command)
      .description(status === "suspended" ? "suspend a user: their sessions and tokens are refused" : "let a suspended user back in")
      .requiredOption("--email <email>", "the user's e-mail")
      .action(async (opts: { email: string }) => {
        await withDb(async (db) => {
          const user = await setUserStatusByEmail(db, opts.email, status);
          console.log(`${user.email} is now ${user.status}`);
        });
      });
  }

  try {
    await program.parseAsync(argv);
  } catch (error) {
    console.error(`pantheon: ${describeError(error, env.PANTHEON_URL)}`);
    process.exitCode = 1;
  }
}
