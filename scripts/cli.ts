/**
 * `npm run pantheon -- <command>`: Pantheon from the command line, through the same typed tRPC API
 * the browser uses. PANTHEON_URL says where (default http://localhost:3000).
 */
import { Command } from "commander";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "../src/server/api/root.ts";

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

async function main(argv: string[]) {
  const { env } = await import("../src/server/env.ts");
  const api = apiClient(env.PANTHEON_URL, env.PANTHEON_TOKEN);
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
    .description("round-trip a job through the worker and print the time it took")
    .action(async () => {
      const result = await api.health.ping.mutate();
      console.log(JSON.stringify(result, null, 2));
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    console.error(`pantheon: ${describeError(error, env.PANTHEON_URL)}`);
    process.exitCode = 1;
  }
}

main(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error && error.name === "InvalidEnvError" ? error.message : error);
  process.exit(1);
});
