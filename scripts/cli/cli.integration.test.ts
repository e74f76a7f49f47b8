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


it("tokens create makes the user if needed, prints only a working token, and is audited", async () => {
  const { stdout } = await cli("tokens", "create", "--email", "Ops@Example.com", "--name", "deploy");
  const token = stdout.trim();
  expect(token).toMatch(/^pan_[A-Za-z0-9_-]{43}$/);
  const user = await findUserByToken(t.db, token);
  expect(user?.email).toBe("ops@example.com");

  // A second token for the same user does not create another user.
  await cli("tokens", "create", "--email", "ops@example.com");
  expect(await t.db.user.count({ where: { email: "ops@example.com" } })).toBe(1);
  expect(await t.db.apiToken.count({ where: { userId: user!.id } })).toBe(2);

  // Each is an operator's write in the audit log (never the token itself).
  const audit = await t.db.adminAuditLog.findMany({ where: { action: "token.create", targetId: user!.id }, orderBy: { createdAt: "asc" } });
  expect(audit.map((a) => [a.actorLabel, (a.after as { userCreated: boolean; name: string }).userCreated, (a.after as { name: string }).name])).toEqual([
    ["cli", true, "deploy"],
    ["cli", false, "cli"],
  ]);
  expect(JSON.stringify(audit)).not.toContain(token);
});

// users, grant and debit: users-commands.integration.test.ts
