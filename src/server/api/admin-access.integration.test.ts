/**
 * Who may call what on the admin router (PRODUCT.md 9), every procedure enumerated from the router
 * itself: a user gets FORBIDDEN `admin_only`, an analyst may call every read and gets FORBIDDEN
 * `owner_only` on every write, an owner may call everything — and each owner write leaves exactly
 * one audit row, each refused call none. A new procedure fails the first test until its access case
 * is listed in src/test/admin-access/.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { UserRole } from "@/generated/prisma/client.ts";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { adminAccessCases, type AdminWorld } from "@/test/admin-access/index.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { callApi, procedureType } from "@/test/trpc-http.ts";
import { appRouter } from "./root.ts";

const t = databaseForThisFile();

const adminProcedures = Object.keys(appRouter._def.procedures).filter((p) => p.startsWith("admin."));
const reads = adminProcedures.filter((p) => procedureType(p) === "query");
const writes = adminProcedures.filter((p) => procedureType(p) === "mutation");

async function userWithRole(role: UserRole) {
  const user = await ensureUserByEmail(t.db, `${role}-${randomUUID()}@example.com`);
  await t.db.user.update({ where: { id: user.id }, data: { role } });
  const { token } = await createApiToken(t.db, user.id, { name: "test" });
  return { user: { id: user.id, email: user.email! }, token };
}

let world: AdminWorld;
beforeAll(async () => {
  const target = await ensureUserByEmail(t.db, `target-${randomUUID()}@example.com`);
  world = { db: t.db, url: t.url, owner: await userWithRole("owner"), analyst: await userWithRole("analyst"), target: { id: target.id, email: target.email! } };
});

const call = async (token: string, path: string) => callApi(t.db, path, { token, input: await adminAccessCases[path]!.input(world) });
const refusal = (path: string, res: Awaited<ReturnType<typeof callApi>>) => ({ path, status: res.status, code: res.error?.code, appCode: res.error?.appCode });

describe("the admin router", () => {
  it("has an access case for every procedure, and none for a procedure that is gone", () => {
    expect(adminProcedures.length).toBeGreaterThan(0);
    expect(adminProcedures.filter((p) => !(p in adminAccessCases))).toEqual([]);
    expect(Object.keys(adminAccessCases).filter((p) => !adminProcedures.includes(p))).toEqual([]);
  });

  it("refuses a user everything with FORBIDDEN admin_only, and records nothing", async () => {
    const user = await userWithRole("user");
    const audit = await t.db.adminAuditLog.count();
    for (const path of adminProcedures) {
      expect(refusal(path, await call(user.token, path))).toEqual({ path, status: 403, code: "FORBIDDEN", appCode: "admin_only" });
    }
    expect(await t.db.adminAuditLog.count()).toBe(audit);
  });

  it("lets an analyst read everything and refuses every write with FORBIDDEN owner_only, recording nothing", async () => {
    for (const path of reads) {
      const res = await call(world.analyst.token, path);
      expect(res.error, `${path}: ${res.error?.message}`).toBeNull();
    }
    const audit = await t.db.adminAuditLog.count();
    for (const path of writes) {
      expect(refusal(path, await call(world.analyst.token, path))).toEqual({ path, status: 403, code: "FORBIDDEN", appCode: "owner_only" });
    }
    expect(await t.db.adminAuditLog.count()).toBe(audit);
  });

  it("lets an owner call everything; each write leaves exactly one audit row", async () => {
    for (const path of reads) {
      const res = await call(world.owner.token, path);
      expect(res.error, `${path}: ${res.error?.message}`).toBeNull();
    }
    for (const path of writes) {
      const before = await t.db.adminAuditLog.count();
      const res = await call(world.owner.token, path);
      expect(res.error, `${path}: ${res.error?.message}`).toBeNull();
      const rows = await t.db.adminAuditLog.findMany({ where: { actorId: world.owner.user.id }, orderBy: { createdAt: "desc" }, take: 1 });
      expect({ path, added: (await t.db.adminAuditLog.count()) - before }).toEqual({ path, added: 1 });
      expect(rows[0]!.actorLabel).toBe(world.owner.user.email);
    }
  });
});
