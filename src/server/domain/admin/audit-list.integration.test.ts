/** The audit log as the console reads it: newest first, paged without gaps or repeats, filtered. */
import { expect, it } from "vitest";
import { recordAudit } from "./audit.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { listAudit, listAuditInput, auditFacets } from "./audit-list.ts";

const t = databaseForThisFile();

it("lists newest first in pages, and filters by actor, action (or its family) and target", async () => {
  const base = Date.now() - 60_000;
  const entries = [
    { actor: "alice@example.com", action: "setting.update", targetType: "setting", targetId: "credits.enforcement", before: { value: true }, after: { value: false } },
    { actor: "cli", action: "user.grant", targetType: "user", targetId: "u1", after: { amount: "5" } },
    { actor: "alice@example.com", action: "setting.reset", targetType: "setting", targetId: "orchestrator.max_rounds" },
    { actor: "bob@example.com", action: "user.suspend", targetType: "user", targetId: "u1" },
    { actor: "alice@example.com", action: "setting.update", targetType: "setting", targetId: "orchestrator.max_rounds", before: { value: null }, after: { value: 4 } },
  ];
  for (const [i, e] of entries.entries()) {
    await t.db.$transaction((tx) => recordAudit(tx, { id: null, label: e.actor }, e));
    // Two rows in the same millisecond: the id breaks the tie.
    await t.db.adminAuditLog.updateMany({ where: { targetId: e.targetId, action: e.action }, data: { createdAt: new Date(base + Math.floor(i / 2) * 1000) } });
  }
  const list = (input: Partial<ReturnType<typeof listAuditInput.parse>>) => listAudit(t.db, listAuditInput.parse(input));

  const all = await list({});
  expect(all.items).toHaveLength(5);
  expect(all.items.map((r) => r.createdAt.getTime())).toEqual([...all.items.map((r) => r.createdAt.getTime())].sort((a, b) => b - a));
  expect(all.items[0]).toMatchObject({ action: "setting.update", targetId: "orchestrator.max_rounds", changes: [{ key: "value", before: null, after: 4 }] });

  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 2, cursor });
    seen.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  expect(seen).toEqual(all.items.map((r) => r.id));

  expect((await list({ actor: "ALICE" })).items.map((r) => r.action)).toEqual(["setting.update", "setting.reset", "setting.update"]);
  expect((await list({ action: "setting." })).items).toHaveLength(3);
  expect((await list({ action: "setting.update" })).items).toHaveLength(2);
  expect((await list({ targetType: "user", targetId: "u1" })).items.map((r) => r.actorLabel)).toEqual(["bob@example.com", "cli"]);
  expect((await list({ targetId: "credits.enforcement" })).items[0]!.changes).toEqual([{ key: "value", before: true, after: false }]);
  expect(await auditFacets(t.db)).toEqual({ actions: ["setting.reset", "setting.update", "user.grant", "user.suspend"], targetTypes: ["setting", "user"] });
});
