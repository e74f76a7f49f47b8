/** The operator commands of the CLI, run as a user would, against a real database. */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { findUserByToken } from "@/server/domain/auth/api-tokens.ts";
import { databaseForThisFile } from "@/test/database.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const t = databaseForThisFile();

const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: root, env: { ...process.env, DATABASE_URL: t.url } });


it("tokens create makes the user if needed and prints only a working token", async () => {
  const { stdout } = await cli("tokens", "create", "--email", "Ops@Example.com", "--name", "deploy");
  const token = stdout.trim();
  expect(token).toMatch(/^pan_[A-Za-z0-9_-]{43}$/);
  const user = await findUserByToken(t.db, token);
  expect(user?.email).toBe("ops@example.com");

  // A second token for the same user does not create another user.
  await cli("tokens", "create", "--email", "ops@example.com");
  expect(await t.db.user.count({ where: { email: "ops@example.com" } })).toBe(1);
  expect(await t.db.apiToken.count({ where: { userId: user!.id } })).toBe(2);
});

it("users set-role changes the role, and refuses unknown roles and users", async () => {
  await cli("tokens", "create", "--email", "boss@example.com");
  await cli("users", "set-role", "--email", "boss@example.com", "--role", "owner");
  expect((await t.db.user.findUnique({ where: { email: "boss@example.com" } }))?.role).toBe("owner");

  await expect(cli("users", "set-role", "--email", "boss@example.com", "--role", "king")).rejects.toMatchObject({ code: 1 });
  await expect(cli("users", "set-role", "--email", "nobody@example.com", "--role", "owner")).rejects.toMatchObject({
    stderr: expect.stringContaining("No user with e-mail"),
  });
});

it("users suspend and reactivate switch the account status", async () => {
  await cli("tokens", "create", "--email", "moody@example.com");
  await cli("users", "suspend", "--email", "moody@example.com");
  expect((await t.db.user.findUnique({ where: { email: "moody@example.com" } }))?.status).toBe("suspended");
  await cli("users", "reactivate", "--email", "moody@example.com");
  expect((await t.db.user.findUnique({ where: { email: "moody@example.com" } }))?.status).toBe("active");
});

it("grant adds credits once per reference, with a grant transaction, and refuses bad amounts and unknown users", async () => {
  await cli("tokens", "create", "--email", "rich@example.com");
  const user = await t.db.user.findUniqueOrThrow({ where: { email: "rich@example.com" } });
  const { stdout } = await cli("grant", "--email", "Rich@Example.com", "--credits", "12.5", "--reference", "invoice-7", "--note", "Thanks");
  // The signup grant (100) comes first, with the wallet; then this one.
  expect(stdout).toContain("granted 12.5 credits to rich@example.com; balance 112.5");
  expect((await t.db.creditWallet.findUniqueOrThrow({ where: { userId: user.id } })).balance.toFixed()).toBe("112.5");
  const grant = await t.db.creditTransaction.findFirstOrThrow({ where: { userId: user.id, referenceId: "invoice-7" } });
  expect(grant).toMatchObject({ kind: "grant", note: "Thanks", initiatedBy: expect.stringMatching(/^cli:/) });
  expect(grant.amount.toFixed()).toBe("12.5");
  expect(grant.balanceAfter.toFixed()).toBe("112.5");

  // The same reference again: refused, and nothing changes.
  await expect(cli("grant", "--email", "rich@example.com", "--credits", "12.5", "--reference", "invoice-7")).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining("already exists"),
  });
  // Refused before anything is written (run side by side: each is a process start).
  await Promise.all([
    ...["0", "1e3", "0.0000001", "lots"].map((credits) =>
      expect(cli("grant", "--email", "rich@example.com", "--credits", credits), credits).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("--credits must be") }),
    ),
    expect(cli("grant", "--email", "nobody@example.com", "--credits", "5")).rejects.toMatchObject({ stderr: expect.stringContaining("No user with e-mail") }),
  ]);
  expect(await t.db.creditTransaction.count({ where: { userId: user.id } })).toBe(2);
  expect((await t.db.creditWallet.findUniqueOrThrow({ where: { userId: user.id } })).balance.toFixed()).toBe("112.5");
});
