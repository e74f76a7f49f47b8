/**
 * Operator commands for users and credits (PRODUCT.md 9), on the database directly: what owners do
 * on the console's Users pages, through the same domain functions, each change audited as `cli`.
 */
import type { Command } from "commander";
import type { Db } from "../../src/server/db.ts";
import { cliActor } from "../../src/server/domain/admin/audit.ts";
import { adjustCredits, creditAmount, getUserDetail, listUsers, setUserCaps, setUserRoleById, setUserStatus, userByEmail, userStatuses } from "../../src/server/domain/admin/users.ts";
import { userRoles } from "../../src/server/domain/auth/users.ts";
import { printTable } from "./models-commands.ts";

type WithDb = (fn: (db: Db) => Promise<void>) => Promise<void>;

const json = (value: unknown) => console.log(JSON.stringify(value, null, 2));
const day = (at: Date | null) => (at ? at.toISOString().slice(0, 16).replace("T", " ") : "-");

/** Checked as text: amounts go to the database as exact decimals, never through a float. */
function parseCredits(value: string, flag: string): string {
  const parsed = creditAmount.safeParse(value);
  if (!parsed.success) throw new Error(`${flag} must be a positive number with at most 6 decimals, like 50 or 12.5`);
  return parsed.data;
}

function parseCap(value: string | undefined, flag: string): string | null | undefined {
  if (value === undefined) return undefined;
  return value === "none" ? null : parseCredits(value, flag);
}

export function registerUserCommands(program: Command, withDb: WithDb) {
  for (const direction of ["grant", "debit"] as const) {
    program
      .command(direction)
      .description(
        direction === "grant"
          ? "add credits to the wallet of the user with this e-mail (an audited `admin_adjustment` transaction)"
          : "take credits from the wallet of the user with this e-mail (never more than are available)",
      )
      .requiredOption("--email <email>", "the user's e-mail")
      .requiredOption("--credits <amount>", "how many credits, e.g. 50 or 12.5 (at most 6 decimals)")
      .option("--reason <text>", "why (required): the user sees it in their transactions, and the audit log keeps it")
      .option("--note <text>", "the same as --reason (its former name)")
      .option("--reference <id>", "makes it happen once: the same reference again is refused and changes nothing")
      .action(async (opts: { email: string; credits: string; reason?: string; note?: string; reference?: string }) => {
        const amount = parseCredits(opts.credits, "--credits");
        const reason = (opts.reason ?? opts.note)?.trim();
        if (!reason) throw new Error("--reason is required: say why, in a few words");
        await withDb(async (db) => {
          const user = await userByEmail(db, opts.email);
          const done = await adjustCredits(db, cliActor, { userId: user.id, direction, amount, reason, idempotencyKey: opts.reference });
          console.log(`${direction === "grant" ? "granted" : "debited"} ${amount} credits ${direction === "grant" ? "to" : "from"} ${user.email}; balance ${done.balanceAfter}`);
        });
      });
  }

  const users = program.command("users").description("users (operator: direct database access)");
  users
    .command("list")
    .description("users, newest first: e-mail, role, status, balance, last activity")
    .option("--search <text>", "a piece of the e-mail or name")
    .option("--role <role>", `only this role: ${userRoles.join(", ")}`)
    .option("--status <status>", `only this status: ${userStatuses.join(", ")}`)
    .option("--limit <n>", "at most this many (1-100)", "50")
    .option("--json", "print JSON")
    .action(async (opts: { search?: string; role?: string; status?: string; limit: string; json?: boolean }) => {
      const role = opts.role === undefined ? undefined : userRoles.find((r) => r === opts.role);
      if (opts.role !== undefined && !role) throw new Error(`--role must be one of ${userRoles.join(", ")}`);
      const status = opts.status === undefined ? undefined : userStatuses.find((s) => s === opts.status);
      if (opts.status !== undefined && !status) throw new Error(`--status must be one of ${userStatuses.join(", ")}`);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new Error("--limit must be a whole number from 1 to 100");
      await withDb(async (db) => {
        const { items } = await listUsers(db, { search: opts.search, role, status, limit });
        if (opts.json) return json(items);
        if (items.length === 0) return console.log("No users match.");
        printTable(
          ["EMAIL", "NAME", "ROLE", "STATUS", "BALANCE", "LAST ACTIVE", "CREATED"],
          items.map((u) => [u.email ?? "-", u.name ?? "", u.role, u.status, u.balance ?? "-", day(u.lastActiveAt), day(u.createdAt)]),
          [4],
        );
      });
    });

  users
    .command("show")
    .description("one user: role, status, wallet, the last 30 days' usage by model, rooms, last activity, caps, recent transactions")
    .requiredOption("--email <email>", "the user's e-mail")
    .option("--json", "print JSON")
    .action(async (opts: { email: string; json?: boolean }) => {
      await withDb(async (db) => {
        const d = await getUserDetail(db, (await userByEmail(db, opts.email)).id);
        if (opts.json) return json(d);
        const cap = (limit: string | null, used: string) => (limit === null ? "none" : `${limit} (${used} used)`);
        console.log(`${d.user.email}${d.user.name ? ` (${d.user.name})` : ""}: ${d.user.role}, ${d.user.status}; created ${day(d.user.createdAt)}; last active ${day(d.lastActiveAt)}`);
        console.log(`wallet: ${d.wallet ? `balance ${d.wallet.balance}, reserved ${d.wallet.reserved}` : "none yet"}`);
        console.log(`rooms: ${d.roomsCount}; signed-in sessions: ${d.activeSessions}; API tokens: ${d.activeTokens}`);
        console.log(`caps: daily ${cap(d.caps.dailyCap, d.caps.burnedToday)}, monthly ${cap(d.caps.monthlyCap, d.caps.burnedThisMonth)}; held now ${d.caps.held}`);
        console.log(`last ${d.usage.days} days: ${d.usage.calls} model calls, ${d.usage.toolCalls} tool calls, ${d.usage.credits} credits`);
        if (d.usage.byModel.length) printTable(["MODEL", "CALLS", "TOKENS", "CREDITS"], d.usage.byModel.map((m) => [m.modelAlias, String(m.calls), String(m.tokens), m.credits]), [1, 2, 3]);
        if (d.transactions.length) {
          console.log("recent transactions:");
          printTable(
            ["WHEN", "KIND", "AMOUNT", "BALANCE", "NOTE"],
            d.transactions.map((x) => [day(x.createdAt), x.kind, x.amount, x.balanceAfter, x.note]),
            [2, 3],
          );
        }
      });
    });

  users
    .command("set-role")
    .description("set a user's role (the last active owner cannot be demoted)")
    .requiredOption("--email <email>", "the user's e-mail")
    .requiredOption("--role <role>", `one of ${userRoles.join(", ")}`)
    .action(async (opts: { email: string; role: string }) => {
      const role = userRoles.find((r) => r === opts.role);
      if (!role) throw new Error(`--role must be one of ${userRoles.join(", ")}`);
      await withDb(async (db) => {
        const user = await setUserRoleById(db, cliActor, { userId: (await userByEmail(db, opts.email)).id, role });
        console.log(`${user.email} is now ${user.role}`);
      });
    });

  for (const [command, status] of [["suspend", "suspended"], ["reactivate", "active"]] as const) {
    users
      .command(command)
      .description(status === "suspended" ? "suspend a user: their sessions are revoked, their tokens refused, their open streams end" : "let a suspended user back in")
      .requiredOption("--email <email>", "the user's e-mail")
      .action(async (opts: { email: string }) => {
        await withDb(async (db) => {
          const user = await setUserStatus(db, cliActor, { userId: (await userByEmail(db, opts.email)).id, status });
          console.log(`${user.email} is now ${user.status}${user.sessionsRevoked ? ` (${user.sessionsRevoked} signed-in sessions revoked)` : ""}`);
        });
      });
  }

  users
    .command("set-caps")
    .description("a user's daily and monthly credit caps (UTC day and month); `none` removes one, an option left out keeps it")
    .requiredOption("--email <email>", "the user's e-mail")
    .option("--daily <credits>", "credits per UTC day, or none")
    .option("--monthly <credits>", "credits per UTC month, or none")
    .action(async (opts: { email: string; daily?: string; monthly?: string }) => {
      const daily = parseCap(opts.daily, "--daily");
      const monthly = parseCap(opts.monthly, "--monthly");
      if (daily === undefined && monthly === undefined) throw new Error("give --daily or --monthly (a number of credits, or none)");
      await withDb(async (db) => {
        const user = await userByEmail(db, opts.email);
        const current = (await getUserDetail(db, user.id)).caps;
        const caps = await setUserCaps(db, cliActor, { userId: user.id, dailyCap: daily === undefined ? current.dailyCap : daily, monthlyCap: monthly === undefined ? current.monthlyCap : monthly });
        console.log(`${user.email}: daily cap ${caps.dailyCap ?? "none"}, monthly cap ${caps.monthlyCap ?? "none"}`);
      });
    });
}
