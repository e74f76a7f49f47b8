/**
 * `pantheon settings get|set|reset`, run as an operator would (its own process, on the database
 * directly): values checked like the console, every change audited as `cli`, and a change made by
 * one process read by another at once.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { getSettings, setSetting } from "@/server/domain/settings/settings.ts";
import { databaseForThisFile } from "@/test/database.ts";

const root = path.resolve(import.meta.dirname, "../..");
const t = databaseForThisFile();

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: root, env: { ...process.env, DATABASE_URL: t.url } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

it("gets and sets settings across processes, checked and audited as cli", async () => {
  // This process writes; the CLI's process reads it.
  await setSetting(t.db, "orchestrator.max_rounds", 4);
  expect(await cli(["settings", "get", "orchestrator.max_rounds"])).toMatchObject({ code: 0, stdout: "4\n" });
  const table = await cli(["settings", "get"]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/retention\.chat_days\s+90\s+90\s+no\s+a whole number from 0 to 36500/);
  expect(table.stdout).toMatch(/sessions\.auto_title\s+on\s+on\s+no\s+on or off/);

  // The CLI's process writes; this one reads it.
  expect(await cli(["settings", "set", "credits.enforcement", "off"])).toMatchObject({ code: 0, stdout: "credits.enforcement = off\n" });
  expect((await getSettings(t.db))["credits.enforcement"]).toBe(false);
  expect(await cli(["settings", "set", "retention.chat_days", "30"])).toMatchObject({ code: 0 });
  expect((await getSettings(t.db))["retention.chat_days"]).toBe(30);
  expect(await cli(["settings", "reset", "retention.chat_days"])).toMatchObject({ code: 0, stdout: "retention.chat_days = 90 (default)\n" });
  expect(await cli(["settings", "set", "summary.model", "auto"])).toMatchObject({ code: 0, stdout: "summary.model = automatic\n" });

  const audit = await t.db.adminAuditLog.findMany({ orderBy: { createdAt: "asc" } });
  expect(audit.map((r) => [r.actorLabel, r.action, r.targetId, r.before, r.after])).toEqual([
    ["cli", "setting.update", "credits.enforcement", { value: true }, { value: false }],
    ["cli", "setting.update", "retention.chat_days", { value: null }, { value: 30 }],
    ["cli", "setting.reset", "retention.chat_days", { value: 30 }, { value: 90, default: true }],
    ["cli", "setting.update", "summary.model", { value: null }, { value: null }],
  ]);

  // Refusals: one line naming the reason, exit code 1, nothing written or recorded.
  for (const [args, reason] of [
    [["settings", "set", "orchestrator.max_rounds", "11"], "Rounds per turn must be a whole number from 1 to 10."],
    [["settings", "set", "credits.enforcement", "maybe"], "Enforce credits must be on or off."],
    [["settings", "set", "turns.rate_limit_per_minute", "1e3"], "Turns per minute must be a whole number, at least 1."],
    [["settings", "set", "no.such", "1"], 'Unknown setting "no.such"'],
    [["settings", "set", "summary.model", "no-such-model"], "no-such-model cannot be used"],
  ] as const) {
    const res = await cli([...args]);
    expect(res, args.join(" ")).toMatchObject({ code: 1, stdout: "" });
    expect(res.stderr).toContain(reason);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
  }
  expect(await t.db.adminAuditLog.count()).toBe(audit.length);
  expect((await getSettings(t.db))["orchestrator.max_rounds"]).toBe(4);
});
