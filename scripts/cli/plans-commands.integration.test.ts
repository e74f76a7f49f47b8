/** The CLI's plan commands, run as an operator would, against a real database; assignments audited as `cli`. */
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

it("plans list shows every plan; plans assign puts a user on a plan by hand with its first period granted, audited as cli", async () => {
  const { stdout: listed } = await cli("plans", "list");
  expect(listed).toMatch(/free\s+Free\s+0\s+free\s+all\s+global\s+global\s+-\s+default, active/);
  expect(listed).toMatch(/starter\s+Starter\s+1000\s+9\.00 usd/);

  await cli("tokens", "create", "--email", "planned@example.com");
  const user = await t.db.user.findUniqueOrThrow({ where: { email: "planned@example.com" } });
  const { stdout } = await cli("plans", "assign", "--email", "Planned@Example.com", "--plan", "starter");
  expect(stdout).toMatch(/planned@example\.com is on Starter until \d{4}-.*; granted 1000 credits, balance 1100/);
  const grants = await t.db.creditTransaction.findMany({ where: { userId: user.id, kind: "plan_grant" } });
  expect(grants).toHaveLength(1);
  expect(grants[0]!.referenceId).toMatch(/^manual:[0-9a-f-]{36}:\d{4}-/);
  expect(await t.db.adminAuditLog.findFirstOrThrow({ where: { targetId: user.id, action: "plan.assign" } })).toMatchObject({ actorLabel: "cli", actorId: null });

  expect((await cli("plans", "assign", "--email", "planned@example.com", "--plan", "starter")).stdout).toContain("already on Starter; nothing changed");
  expect((await cli("plans", "assign", "--email", "planned@example.com", "--plan", "free")).stdout).toContain("back on Free (the default plan)");
  await expect(cli("plans", "assign", "--email", "planned@example.com", "--plan", "gold")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('No plan with key "gold"') });
  await expect(cli("plans", "assign", "--email", "nobody@example.com", "--plan", "starter")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("No user with e-mail") });
});

it("plans packs lists the credit packs; plans set-packs replaces them (audited as cli) and refuses packs that do not fit", async () => {
  expect((await cli("plans", "packs")).stdout).toMatch(/small\s+500\s+5\.00 usd/);
  const { stdout } = await cli("plans", "set-packs", JSON.stringify([{ id: "team", credits: "25000", priceCents: 19900 }]));
  expect(stdout).toContain("1 credit pack(s): team 25000 credits");
  expect((await cli("plans", "packs", "--json")).stdout).toContain('"id": "team"');
  expect(await t.db.adminAuditLog.findFirstOrThrow({ where: { action: "billing.credit_packs.set" } })).toMatchObject({ actorLabel: "cli", targetId: "billing.credit_packs" });
  await expect(cli("plans", "set-packs", "[{")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("not valid JSON") });
  await expect(cli("plans", "set-packs", JSON.stringify([{ id: "x", credits: "-5", priceCents: 100 }]))).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("do not fit") });
  expect((await cli("plans", "packs")).stdout).toMatch(/team\s+25000\s+199\.00 usd/);
});
