/**
 * `admin.users.*` over the real HTTP handler (PRODUCT.md 9): search and paging, a user's page, and
 * the owners' actions with their audit rows; suspension ends the user's open event stream at once
 * and refuses their next call, by token and by cookie; the last owner cannot be demoted; debits
 * never go below what is available; an idempotency key applies an adjustment once.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { UserRole } from "@/generated/prisma/client.ts";
import { createApiToken } from "@/server/domain/auth/api-tokens.ts";
import { ensureUserByEmail } from "@/server/domain/auth/users.ts";
import { createRoom } from "@/server/domain/rooms/rooms.ts";
import { createSession } from "@/server/domain/sessions/sessions.ts";
import { cliActor } from "@/server/domain/admin/audit.ts";
import { setUserRoleById } from "@/server/domain/admin/users.ts";
import { databaseForThisFile } from "@/test/database.ts";
import { bindWebSingletons, callApi, openSubscription, type RequestOptions, type SseStream } from "@/test/trpc-http.ts";

const t = databaseForThisFile();
bindWebSingletons(() => t.url);

const APP = "http://localhost:3000";

async function userWithRole(role: UserRole, email = `${role}-${randomUUID()}@example.com`) {
  const user = await ensureUserByEmail(t.db, email);
  await t.db.user.update({ where: { id: user.id }, data: { role } });
  const { token } = await createApiToken(t.db, user.id, { name: "test" });
  return { user: { id: user.id, email: user.email! }, token };
}

async function sessionCookie(userId: string): Promise<string> {
  const sessionToken = randomUUID();
  await t.db.session.create({ data: { sessionToken, userId, expires: new Date(Date.now() + 3600_000) } });
  return `next-auth.session-token=${sessionToken}`;
}

let owner: Awaited<ReturnType<typeof userWithRole>>;
let analyst: Awaited<ReturnType<typeof userWithRole>>;
beforeAll(async () => {
  owner = await userWithRole("owner");
  analyst = await userWithRole("analyst");
});

const asOwner = (path: string, input: unknown) => callApi(t.db, path, { token: owner.token, input });
const lastAudit = async (targetId: string) => t.db.adminAuditLog.findFirstOrThrow({ where: { targetId }, orderBy: { createdAt: "desc" } });

/** Reads the stream until it ends; fails if it does not within `ms`. */
async function endsWithin(stream: SseStream, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const message = await stream.next(ms);
    if (message === null) return Date.now() - started;
  }
}

describe("admin.users.list and byId", () => {
  it("search by e-mail or name, filter by role and status, page with the cursor", async () => {
    const tag = randomUUID().slice(0, 8);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await ensureUserByEmail(t.db, `find-${tag}-${i}@example.com`));
    await t.db.user.update({ where: { id: made[1]!.id }, data: { name: `Zed ${tag.toUpperCase()}`, email: `other-${randomUUID()}@example.com` } });
    await t.db.user.update({ where: { id: made[2]!.id }, data: { status: "suspended" } });
    await t.db.user.update({ where: { id: made[3]!.id }, data: { role: "analyst" } });

    const all = await callApi(t.db, "admin.users.list", { token: analyst.token, input: { search: tag } });
    expect(all.error).toBeNull();
    expect(all.data.items.map((u: { id: string }) => u.id).sort()).toEqual(made.map((u) => u.id).sort());
    expect(all.data.items[0]).toMatchObject({ role: expect.any(String), status: expect.any(String), balance: null, lastActiveAt: null });

    const page1 = await asOwner("admin.users.list", { search: tag, limit: 2 });
    const page2 = await asOwner("admin.users.list", { search: tag, limit: 2, cursor: page1.data.nextCursor });
    const page3 = await asOwner("admin.users.list", { search: tag, limit: 2, cursor: page2.data.nextCursor });
    expect([...page1.data.items, ...page2.data.items, ...page3.data.items].map((u: { id: string }) => u.id)).toEqual(all.data.items.map((u: { id: string }) => u.id));
    expect(page3.data.nextCursor).toBeNull();

    expect((await asOwner("admin.users.list", { search: tag, status: "suspended" })).data.items.map((u: { id: string }) => u.id)).toEqual([made[2]!.id]);
    expect((await asOwner("admin.users.list", { search: tag, role: "analyst" })).data.items.map((u: { id: string }) => u.id)).toEqual([made[3]!.id]);
    // A search is a substring, not a pattern: % and _ match only themselves.
    expect((await asOwner("admin.users.list", { search: "%" })).data.items).toEqual([]);
  });

  it("byId gives role, status, wallet, transactions, usage, rooms and caps; unknown is NOT_FOUND, bad input BAD_REQUEST", async () => {
    const target = await userWithRole("user");
    await createRoom(t.db, target.user.id, { name: "One", goal: "", mode: "manual" });
    await asOwner("admin.users.adjustCredits", { userId: target.user.id, direction: "grant", amount: "5", reason: "Welcome bonus" });
    await asOwner("admin.users.setCaps", { userId: target.user.id, dailyCap: "2.5", monthlyCap: "40" });
    const res = await callApi(t.db, "admin.users.byId", { token: analyst.token, input: { userId: target.user.id } });
    expect(res.error).toBeNull();
    expect(res.data).toMatchObject({
      user: { id: target.user.id, email: target.user.email, role: "user", status: "active" },
      wallet: { balance: "105", reserved: "0", available: "105" },
      roomsCount: 1,
      activeTokens: 1,
      usage: { days: 30, calls: 0, credits: "0", byModel: [] },
      caps: { dailyCap: "2.5", monthlyCap: "40", burnedToday: "0", burnedThisMonth: "0", held: "0" },
    });
    expect(res.data.transactions.map((x: { kind: string; amount: string; note: string }) => [x.kind, x.amount, x.note])).toEqual([
      ["admin_adjustment", "5", "Welcome bonus"],
      ["grant", "100", "Signup grant"],
    ]);

    expect((await asOwner("admin.users.byId", { userId: randomUUID() })).error).toMatchObject({ code: "NOT_FOUND", appCode: "not_found" });
    expect((await asOwner("admin.users.byId", { userId: "nope" })).error).toMatchObject({ code: "BAD_REQUEST", appCode: "invalid_input" });
    expect((await asOwner("admin.users.suspend", { userId: randomUUID() })).error).toMatchObject({ code: "NOT_FOUND" });
    expect((await asOwner("admin.users.setRole", { userId: target.user.id, role: "king" })).error).toMatchObject({ code: "BAD_REQUEST" });
    expect((await asOwner("admin.users.setCaps", { userId: target.user.id, dailyCap: "0", monthlyCap: null })).error).toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("suspension", () => {
  it("ends the user's open stream at once and refuses their next call, by token; revokes their sessions; reactivating lets the token back in", async () => {
    const target = await userWithRole("user");
    const cookie = await sessionCookie(target.user.id);
    const room = await createRoom(t.db, target.user.id, { name: "Room", goal: "", mode: "manual" });
    const session = await createSession(t.db, target.user.id, { roomId: room.id });
    const stream = await openSubscription(t.db, "turns.events", { token: target.token, input: { sessionId: session.id } });
    try {
      expect(await stream.next()).toMatchObject({ event: "connected" });
      const res = await asOwner("admin.users.suspend", { userId: target.user.id });
      expect(res.error).toBeNull();
      expect(res.data).toMatchObject({ status: "suspended", sessionsRevoked: 1 });
      // The NOTIFY ends it well before the periodic re-check would.
      expect(await endsWithin(stream, 4000)).toBeLessThan(4000);
    } finally {
      await stream.close();
    }
    expect((await callApi(t.db, "auth.me", { token: target.token })).error).toMatchObject({ code: "FORBIDDEN", appCode: "account_suspended" });
    // The cookie's session is gone: it signs in nobody any more.
    expect((await callApi(t.db, "auth.me", { headers: { cookie } })).error).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await t.db.session.count({ where: { userId: target.user.id } })).toBe(0);
    const refused = await openSubscription(t.db, "turns.events", { token: target.token, input: { sessionId: session.id } });
    try {
      const messages = [await refused.next(), await refused.next()];
      expect(messages.find((m) => m?.event === "serialized-error")?.data).toContain("account_suspended");
    } finally {
      await refused.close();
    }
    const audit = await lastAudit(target.user.id);
    expect(audit).toMatchObject({ action: "user.suspend", actorLabel: owner.user.email, before: { status: "active" }, after: { status: "suspended", sessionsRevoked: 1 } });

    expect((await asOwner("admin.users.reactivate", { userId: target.user.id })).error).toBeNull();
    expect((await callApi(t.db, "auth.me", { token: target.token })).data).toMatchObject({ id: target.user.id, status: "active" });
    expect(await lastAudit(target.user.id)).toMatchObject({ action: "user.reactivate", before: { status: "suspended" }, after: { status: "active" } });
  });

  it("ends a stream opened with a session cookie too", async () => {
    const target = await userWithRole("user");
    const cookie = await sessionCookie(target.user.id);
    const room = await createRoom(t.db, target.user.id, { name: "Room", goal: "", mode: "manual" });
    const session = await createSession(t.db, target.user.id, { roomId: room.id });
    const options: Omit<RequestOptions, "signal"> = { headers: { cookie, origin: APP }, input: { sessionId: session.id } };
    const stream = await openSubscription(t.db, "turns.events", options);
    try {
      expect(await stream.next()).toMatchObject({ event: "connected" });
      expect((await asOwner("admin.users.suspend", { userId: target.user.id })).error).toBeNull();
      expect(await endsWithin(stream, 4000)).toBeLessThan(4000);
    } finally {
      await stream.close();
    }
    expect((await callApi(t.db, "auth.me", { headers: { cookie } })).error).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("is refused for oneself", async () => {
    expect((await asOwner("admin.users.suspend", { userId: owner.user.id })).error).toMatchObject({ code: "CONFLICT", details: { reason: "self" } });
  });
});

describe("roles", () => {
  it("an owner changes roles; the last active owner cannot be demoted, and a refused change records nothing", async () => {
    const target = await userWithRole("user");
    expect((await asOwner("admin.users.setRole", { userId: target.user.id, role: "analyst" })).data).toMatchObject({ role: "analyst" });
    expect(await lastAudit(target.user.id)).toMatchObject({ action: "user.set_role", before: { role: "user" }, after: { role: "analyst" } });

    // Every other owner steps down (through the CLI's path), leaving `owner` the last one.
    const others = await t.db.user.findMany({ where: { role: "owner", id: { not: owner.user.id } } });
    for (const other of others) await setUserRoleById(t.db, cliActor, { userId: other.id, role: "user" });
    const audits = await t.db.adminAuditLog.count();
    const refused = await asOwner("admin.users.setRole", { userId: owner.user.id, role: "user" });
    expect(refused.error).toMatchObject({ code: "CONFLICT", details: { reason: "last_owner" } });
    expect(refused.error!.message).toMatch(/last active owner/);
    expect(await t.db.adminAuditLog.count()).toBe(audits);

    // With a second owner, the first may step down.
    const second = await userWithRole("user");
    expect((await asOwner("admin.users.setRole", { userId: second.user.id, role: "owner" })).error).toBeNull();
    expect((await callApi(t.db, "admin.users.setRole", { token: second.token, input: { userId: owner.user.id, role: "analyst" } })).error).toBeNull();
    // ... and back, so the other tests keep their owner.
    expect((await callApi(t.db, "admin.users.setRole", { token: second.token, input: { userId: owner.user.id, role: "owner" } })).error).toBeNull();
  });
});

describe("credit adjustments and caps", () => {
  it("grant and debit as admin_adjustment transactions with the reason; a debit past the available credits is refused; a key applies once", async () => {
    const target = await userWithRole("user");
    const grant = await asOwner("admin.users.adjustCredits", { userId: target.user.id, direction: "grant", amount: "12.345678", reason: "Refund for outage", idempotencyKey: "k-1" });
    expect(grant.error).toBeNull();
    expect(grant.data).toMatchObject({ amount: "12.345678", balanceAfter: "112.345678" });
    const again = await asOwner("admin.users.adjustCredits", { userId: target.user.id, direction: "grant", amount: "12.345678", reason: "Refund for outage", idempotencyKey: "k-1" });
    expect(again.error).toMatchObject({ code: "CONFLICT", details: { reason: "duplicate" } });

    // Calls in flight hold 10: at most 102.345678 may go.
    await t.db.creditWallet.update({ where: { userId: target.user.id }, data: { reserved: "10" } });
    const audits = await t.db.adminAuditLog.count();
    const tooMuch = await asOwner("admin.users.adjustCredits", { userId: target.user.id, direction: "debit", amount: "102.345679", reason: "Chargeback" });
    expect(tooMuch.error).toMatchObject({ code: "UNPROCESSABLE_CONTENT", details: { field: "amount", available: "102.345678" } });
    expect(await t.db.adminAuditLog.count()).toBe(audits);
    const debit = await asOwner("admin.users.adjustCredits", { userId: target.user.id, direction: "debit", amount: "102.345678", reason: "Chargeback" });
    expect(debit.data).toMatchObject({ amount: "-102.345678", balanceAfter: "10" });

    const rows = await t.db.creditTransaction.findMany({ where: { userId: target.user.id, kind: "admin_adjustment" }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.amount.toFixed(), r.balanceAfter.toFixed(), r.note, r.initiatedBy, r.referenceId])).toEqual([
      ["12.345678", "112.345678", "Refund for outage", owner.user.email, "k-1"],
      ["-102.345678", "10", "Chargeback", owner.user.email, null],
    ]);
    expect(await lastAudit(target.user.id)).toMatchObject({
      action: "user.credits.debit",
      before: { balance: "112.345678" },
      after: { balance: "10", amount: "-102.345678", reason: "Chargeback" },
    });

    expect((await asOwner("admin.users.adjustCredits", { userId: target.user.id, direction: "grant", amount: "5", reason: "" })).error).toMatchObject({ code: "BAD_REQUEST" });
    for (const amount of ["0", "-1", "1.1234567", "1e3", "abc"]) {
      expect((await asOwner("admin.users.adjustCredits", { userId: target.user.id, direction: "grant", amount, reason: "Because" })).error, amount).toMatchObject({ code: "BAD_REQUEST" });
    }
  });

  it("caps are set, changed and removed, each audited", async () => {
    const target = await userWithRole("user");
    expect((await asOwner("admin.users.setCaps", { userId: target.user.id, dailyCap: "1.5", monthlyCap: null })).data).toEqual({ userId: target.user.id, dailyCap: "1.5", monthlyCap: null });
    expect(await lastAudit(target.user.id)).toMatchObject({ action: "user.set_caps", before: { dailyCap: null, monthlyCap: null }, after: { dailyCap: "1.5", monthlyCap: null } });
    await asOwner("admin.users.setCaps", { userId: target.user.id, dailyCap: null, monthlyCap: "30" });
    expect(await lastAudit(target.user.id)).toMatchObject({ before: { dailyCap: "1.5" }, after: { dailyCap: null, monthlyCap: "30" } });
    await asOwner("admin.users.setCaps", { userId: target.user.id, dailyCap: null, monthlyCap: null });
    expect(await t.db.userCreditCaps.count({ where: { userId: target.user.id } })).toBe(0);
  });
});
