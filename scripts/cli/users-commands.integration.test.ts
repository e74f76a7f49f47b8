/** The CLI's operator commands for users and credits, run as an operator would, against a real database; each change audited as `cli`. */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const t = databaseForThisFile();

const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: root, env: { ...process.env, DATABASE_URL: t.url } });

const lastAudit = (email: string) => t.db.adminAuditLog.findFirstOrThrow({ where: { after: { path: ["email"], equals: email } }, orderBy: { createdAt: "desc" } });

it("users set-role, suspend and reactivate change the user, each audited as cli; the last owner stays; unknown roles and users are refused", async () => {
  await cli("tokens", "create", "--email", "boss@example.com");
  await cli("users", "set-role", "--email", "boss@example.com", "--role", "owner");
  expect((await t.db.user.findUnique({ where: { email: "boss@example.com" } }))?.role).toBe("owner");
  expect(await lastAudit("boss@example.com")).toMatchObject({ actorLabel: "cli", actorId: null, action: "user.set_role", before: { role: "user" }, after: { role: "owner" } });

  await expect(cli("users", "set-role", "--email", "boss@example.com", "--role", "user")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("last active owner") });
  await expect(cli("users", "set-role", "--email", "boss@example.com", "--role", "king")).rejects.toMatchObject({ code: 1 });
  await expect(cli("users", "set-role", "--email", "nobody@example.com", "--role", "owner")).rejects.toMatchObject({ stderr: expect.stringContaining("No user with e-mail") });

  await cli("tokens", "create", "--email", "moody@example.com");
  const moody = await t.db.user.findUniqueOrThrow({ where: { email: "moody@example.com" } });
  await t.db.session.create({ data: { sessionToken: "moody-session", userId: moody.id, expires: new Date(Date.now() + 3600_000) } });
  const { stdout } = await cli("users", "suspend", "--email", "moody@example.com");
  expect(stdout).toContain("moody@example.com is now suspended (1 signed-in sessions revoked)");
  expect((await t.db.user.findUnique({ where: { email: "moody@example.com" } }))?.status).toBe("suspended");
  expect(await t.db.session.count({ where: { userId: moody.id } })).toBe(0);
  expect(await lastAudit("moody@example.com")).toMatchObject({ actorLabel: "cli", action: "user.suspend" });
  await cli("users", "reactivate", "--email", "moody@example.com");
  expect((await t.db.user.findUnique({ where: { email: "moody@example.com" } }))?.status).toBe("active");
  expect(await lastAudit("moody@example.com")).toMatchObject({ action: "user.reactivate" });
});

it("grant and debit make admin_adjustment transactions with a required reason, once per reference, never below what is available", async () => {
  await cli("tokens", "create", "--email", "rich@example.com");
  const user = await t.db.user.findUniqueOrThrow({ where: { email: "rich@example.com" } });
  const { stdout } = await cli("grant", "--email", "Rich@Example.com", "--credits", "12.5", "--reference", "invoice-7", "--reason", "Thanks");
  // The signup grant (100) comes first, with the wallet; then this one.
  expect(stdout).toContain("granted 12.5 credits to rich@example.com; balance 112.5");
  const grant = await t.db.creditTransaction.findFirstOrThrow({ where: { userId: user.id, referenceId: "invoice-7" } });
  expect(grant).toMatchObject({ kind: "admin_adjustment", note: "Thanks", initiatedBy: "cli" });
  expect([grant.amount.toFixed(), grant.balanceAfter.toFixed()]).toEqual(["12.5", "112.5"]);
  expect(await lastAudit("rich@example.com")).toMatchObject({ actorLabel: "cli", action: "user.credits.grant", before: { balance: "100" }, after: { balance: "112.5", amount: "12.5", reason: "Thanks" } });

  // The same reference again: refused, and nothing changes. --note still works as the reason.
  await expect(cli("grant", "--email", "rich@example.com", "--credits", "12.5", "--reference", "invoice-7", "--note", "Thanks")).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining("already applied"),
  });
  // Refused before anything is written (run side by side: each is a process start).
  await Promise.all([
    ...["0", "1e3", "0.0000001", "lots"].map((credits) =>
      expect(cli("grant", "--email", "rich@example.com", "--credits", credits, "--reason", "x y z"), credits).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("--credits must be") }),
    ),
    expect(cli("grant", "--email", "rich@example.com", "--credits", "5")).rejects.toMatchObject({ stderr: expect.stringContaining("--reason is required") }),
    expect(cli("grant", "--email", "nobody@example.com", "--credits", "5", "--reason", "Bonus")).rejects.toMatchObject({ stderr: expect.stringContaining("No user with e-mail") }),
    expect(cli("debit", "--email", "rich@example.com", "--credits", "112.500001", "--reason", "Too much")).rejects.toMatchObject({ stderr: expect.stringContaining("only 112.5 credits are available") }),
  ]);
  expect(await t.db.creditTransaction.count({ where: { userId: user.id } })).toBe(2);

  const debit = await cli("debit", "--email", "rich@example.com", "--credits", "2.5", "--reason", "Chargeback");
  expect(debit.stdout).toContain("debited 2.5 credits from rich@example.com; balance 110");
  expect((await t.db.creditTransaction.findFirstOrThrow({ where: { userId: user.id, note: "Chargeback" } })).amount.toFixed()).toBe("-2.5");
});

it("users list filters and prints JSON; users show tells a user's wallet, caps and transactions; set-caps sets and removes caps", async () => {
  await cli("tokens", "create", "--email", "lister-a@example.org");
  await cli("tokens", "create", "--email", "lister-b@example.org");
  await cli("users", "suspend", "--email", "lister-b@example.org");
  const listed = JSON.parse((await cli("users", "list", "--search", "lister-", "--json")).stdout) as { email: string; status: string }[];
  expect(listed.map((u) => [u.email, u.status])).toEqual([
    ["lister-b@example.org", "suspended"],
    ["lister-a@example.org", "active"],
  ]);
  expect((await cli("users", "list", "--search", "lister-", "--status", "active")).stdout).toMatch(/EMAIL[\s\S]*lister-a@example\.org/);
  await expect(cli("users", "list", "--role", "king")).rejects.toMatchObject({ stderr: expect.stringContaining("--role must be one of") });

  await cli("users", "set-caps", "--email", "lister-a@example.org", "--daily", "2.5", "--monthly", "40");
  await cli("users", "set-caps", "--email", "lister-a@example.org", "--daily", "none");
  const caps = await t.db.userCreditCaps.findFirstOrThrow({ where: { user: { email: "lister-a@example.org" } } });
  expect([caps.dailyCap, caps.monthlyCap?.toFixed()]).toEqual([null, "40"]);
  await cli("grant", "--email", "lister-a@example.org", "--credits", "1", "--reason", "Hello");
  const shown = await cli("users", "show", "--email", "lister-a@example.org");
  expect(shown.stdout).toContain("lister-a@example.org: user, active");
  expect(shown.stdout).toContain("wallet: balance 101, reserved 0");
  expect(shown.stdout).toContain("caps: daily none, monthly 40 (0 used)");
  expect(shown.stdout).toMatch(/admin_adjustment\s+1\s+101\s+Hello/);
  const json = JSON.parse((await cli("users", "show", "--email", "lister-a@example.org", "--json")).stdout) as { caps: { monthlyCap: string } };
  expect(json.caps.monthlyCap).toBe("40");
});
