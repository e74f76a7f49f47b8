/**
 * Token and session lookups read the credential and its user in one raw query: the user they
 * return must be exactly the row Prisma reads (a column added to `users` and not to
 * `userColumns` fails here), and nothing about a credential outlives a change to it.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { createApiToken, findUserByToken, revokeApiToken } from "./api-tokens.ts";
import { findUserBySessionToken } from "./resolve-actor.ts";
import { ensureUserByEmail, setUserRole, setUserStatusByEmail } from "./users.ts";

const t = databaseForThisFile();

async function userWithToken() {
  const user = await ensureUserByEmail(t.db, `u-${randomUUID()}@example.com`);
  const { token, id } = await createApiToken(t.db, user.id, { name: "test" });
  return { user, token, tokenId: id };
}

describe("findUserByToken", () => {
  it("returns the user exactly as Prisma reads it", async () => {
    const { user, token } = await userWithToken();
    // Every column filled in, so a column read wrongly cannot hide behind a null.
    await t.db.user.update({ where: { id: user.id }, data: { name: "Ada", image: "https://example.com/a.png", emailVerified: new Date() } });
    await setUserRole(t.db, user.email!, "analyst");
    expect(await findUserByToken(t.db, token)).toEqual(await t.db.user.findUniqueOrThrow({ where: { id: user.id } }));
  });

  it("refuses a token once revoked or expired, on the very next lookup", async () => {
    const a = await userWithToken();
    expect(await findUserByToken(t.db, a.token)).not.toBeNull();
    await revokeApiToken(t.db, a.user.id, a.tokenId);
    expect(await findUserByToken(t.db, a.token)).toBeNull();

    const b = await userWithToken();
    expect(await findUserByToken(t.db, b.token)).not.toBeNull();
    await t.db.apiToken.update({ where: { id: b.tokenId }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await findUserByToken(t.db, b.token)).toBeNull();
    expect(await findUserByToken(t.db, "pan_" + "x".repeat(43))).toBeNull();
  });

  it("reads the user's current status on every lookup (the caller refuses suspended users)", async () => {
    const { user, token } = await userWithToken();
    expect((await findUserByToken(t.db, token))?.status).toBe("active");
    await setUserStatusByEmail(t.db, user.email!, "suspended");
    expect((await findUserByToken(t.db, token))?.status).toBe("suspended");
  });

  it("records the last use at most once a minute", async () => {
    const { token, tokenId } = await userWithToken();
    await findUserByToken(t.db, token);
    const first = (await t.db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).lastUsedAt;
    expect(first).not.toBeNull();
    await findUserByToken(t.db, token);
    expect((await t.db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).lastUsedAt).toEqual(first);
    const old = new Date(Date.now() - 61_000);
    await t.db.apiToken.update({ where: { id: tokenId }, data: { lastUsedAt: old } });
    await findUserByToken(t.db, token);
    expect((await t.db.apiToken.findUniqueOrThrow({ where: { id: tokenId } })).lastUsedAt!.getTime()).toBeGreaterThan(old.getTime());
  });
});

describe("findUserBySessionToken", () => {
  it("returns the user exactly as Prisma reads it while the session lasts, then null", async () => {
    const { user } = await userWithToken();
    const sessionToken = randomUUID();
    const session = await t.db.session.create({ data: { sessionToken, userId: user.id, expires: new Date(Date.now() + 3600_000) } });
    expect(await findUserBySessionToken(t.db, sessionToken)).toEqual(await t.db.user.findUniqueOrThrow({ where: { id: user.id } }));
    await t.db.session.update({ where: { id: session.id }, data: { expires: new Date(Date.now() - 1) } });
    expect(await findUserBySessionToken(t.db, sessionToken)).toBeNull();
    expect(await findUserBySessionToken(t.db, randomUUID())).toBeNull();
  });
});
