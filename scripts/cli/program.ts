/**
 * The commands of `npm run pantheon -- <command>`. API commands go through the same typed tRPC API
 * the browser uses (PANTHEON_URL, PANTHEON_TOKEN); operator commands work on the database directly.
 */
import { Command } from "commander";
import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../../src/server/api/root.ts";
import { env } from "../../src/server/env.ts";
import { apiClient } from "./api-client.ts";
import { createDb, type Db } from "../../src/server/db.ts";
import { cliActor, recordAudit } from "../../src/server/domain/admin/audit.ts";
import { createApiToken } from "../../src/server/domain/auth/api-tokens.ts";
import { sendAndFollow, type SendOptions } from "./follow-turn.ts";
import { ensureUserByEmail, normalizeEmail } from "../../src/server/domain/auth/users.ts";
import { printTable, registerModelCommands, registerProviderCommands } from "./models-commands.ts";
import { registerFileCommands } from "./files-commands.ts";
import { registerLibraryCommands } from "./library-commands.ts";
import { registerAdminCommands } from "./admin-commands.ts";
import { registerUserCommands } from "./users-commands.ts";
import { registerPlanCommands } from "./plans-commands.ts";
import { registerSettingsCommands } from "./settings-commands.ts";

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
    // The stable machine code (`data.code` is tRPC's own, e.g. NOT_FOUND).
    const code = (error as TRPCClientError<AppRouter>).data?.appCode;
    if (!error.data && /fetch failed|ECONNREFUSED/i.test(String(error.cause ?? error.message))) {
      return `Cannot reach Pantheon at ${baseUrl}. Is it running? (set PANTHEON_URL to point elsewhere)`;
    }
    return code ? `${error.message} [${code}]` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function run(argv: string[]) {
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

  const rooms = program.command("rooms").description("rooms");
  rooms
    .command("list")
    .description("list your rooms (newest activity first)")
    .option("--search <text>", "only rooms whose name contains this")
    .action(async (opts: { search?: string }) => {
      const page = await api.rooms.list.query({ limit: 100, query: opts.search });
      for (const room of page.items) console.log(`${room.id}  ${room.currentMode.padEnd(12)} ${room.name}`);
    });
  rooms
    .command("create")
    .description("create a room; prints its id")
    .requiredOption("--name <name>", "the room's name")
    .option("--goal <goal>", "what the room is for")
    .option("--mode <mode>", "manual, roundtable or orchestrator", "orchestrator")
    .option("--agent <id...>", "agents to put on the roster, in order")
    .action(async (opts: { name: string; goal?: string; mode: "manual" | "roundtable" | "orchestrator"; agent?: string[] }) => {
      const room = await api.rooms.create.mutate({ name: opts.name, goal: opts.goal, mode: opts.mode });
      for (const agentId of opts.agent ?? []) await api.rooms.addAgent.mutate({ roomId: room.id, agentId });
      console.log(room.id);
    });

  const agents = program.command("agents").description("agents");
  agents
    .command("create")
    .description("create an agent in your library; prints its id")
    .requiredOption("--key <key>", "its @key: lowercase letters, digits, - and _")
    .requiredOption("--name <name>", "its display name")
    .option("--model <alias>", "a model alias from the catalog", "local")
    .option("--role <prompt>", "its role prompt", "")
    .action(async (opts: { key: string; name: string; model: string; role: string }) => {
      const agent = await api.agents.create.mutate({ key: opts.key, name: opts.name, modelAlias: opts.model, rolePrompt: opts.role });
      console.log(agent.id);
    });

  program
    .command("send")
    .description("send a message and print the turn's steps as they stream; Ctrl-C cancels the turn")
    .argument("<message>", "the message (in manual mode, tag agents with @key)")
    .option("--room <id>", "send in this room's newest session (created if it has none)")
    .option("--agent <id>", "direct chat: send to this agent's newest session (created if none)")
    .option("--session <id>", "send in this session")
    .option("--new-session", "start a new session in the room or with the agent")
    .option("--json", "print each event as a line of JSON instead")
    .action(async (message: string, opts: SendOptions) => {
      const status = await sendAndFollow(api, message, opts);
      // Scripts can tell a full answer (0) from a partial one (2) and a failed or cancelled turn (1).
      process.exitCode = status === "completed" ? 0 : status === "partial" ? 2 : 1;
    });

  program
    .command("usage")
    .description("print your wallet and the credits you used in the last 30 days, by model")
    .option("--json", "print both as JSON")
    .action(async (opts: { json?: boolean }) => {
      const now = new Date();
      const from = new Date(now.getTime() - 30 * 86_400_000);
      const [wallet, summary] = await Promise.all([
        api.usage.wallet.query(),
        api.usage.summary.query({ from: from.toISOString(), to: now.toISOString(), groupBy: "model" }),
      ]);
      if (opts.json) {
        console.log(JSON.stringify({ wallet, summary }, null, 2));
        return;
      }
      console.log(`balance    ${wallet.balance} credits`);
      console.log(`reserved   ${wallet.reserved} (held by calls in flight)`);
      console.log(`available  ${wallet.available}${wallet.lowBalance ? `  (low: below ${wallet.lowBalanceThreshold})` : ""}`);
      console.log("");
      console.log(`last 30 days, by model and paid tool (${from.toISOString().slice(0, 10)} to ${now.toISOString().slice(0, 10)}):`);
      // A tool's row ("search (tool)") counts its own calls; a model's, its model calls.
      printTable(
        ["model", "calls", "tokens", "credits"],
        [
          ...summary.groups.map((g) => [g.label, String(g.calls + g.toolCalls), String(g.tokens), g.credits]),
          ["total", String(summary.total.calls + summary.total.toolCalls), String(summary.total.tokens), summary.total.credits],
        ],
        [1, 2, 3],
      );
    });

  registerLibraryCommands(program, agents, api);
  registerFileCommands(program, api, { baseUrl: env.PANTHEON_URL, token: env.PANTHEON_TOKEN });
  registerAdminCommands(program, api);

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
        // A token acts as its user: minting one is an operator's write, audited with it.
        const { user, created } = await db.$transaction(async (tx) => {
          const existed = await tx.user.findUnique({ where: { email: normalizeEmail(opts.email) }, select: { id: true } });
          const user = await ensureUserByEmail(tx, opts.email);
          const created = await createApiToken(tx, user.id, { name: opts.name, expiresInDays: days });
          await recordAudit(tx, cliActor, {
            action: "token.create",
            targetType: "user",
            targetId: user.id,
            after: { email: user.email, userCreated: !existed, tokenId: created.id, name: created.name, prefix: created.prefix, expiresAt: created.expiresAt },
          });
          return { user, created };
        });
        // Only the token on stdout, so scripts can capture it: PANTHEON_TOKEN=$(npm run -s pantheon -- tokens create …)
        console.log(created.token);
        console.error(`token "${created.name}" for ${user.email}${created.expiresAt ? `, expires ${created.expiresAt.toISOString()}` : ""}`);
      });
    });

  registerUserCommands(program, withDb);
  registerPlanCommands(program, withDb);
  registerProviderCommands(program, withDb);
  registerModelCommands(program, withDb);
  registerSettingsCommands(program, withDb);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    console.error(`pantheon: ${describeError(error, env.PANTHEON_URL)}`);
    process.exitCode = 1;
  }
}
