/**
 * The first account of a fresh install becomes its owner: once, even when two sign up at the same
 * moment; users an operator made with the CLI do not count; and once someone has signed in, a new
 * sign-up never becomes owner, even when the owners have stepped down.
 */
import { expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { ensureUserByEmail, promoteFirstUser } from "./users.ts";

const t = databaseForThisFile();

/** A user as sign-in creates one: the magic link verified the address. */
async function signedUp(email: string) {
  const user = await ensureUserByEmail(t.db, email);
  return t.db.user.update({ where: { id: user.id }, data: { emailVerified: new Date() } });
}

it("promotes exactly one of two first users signing in at once (after CLI-made users), and nobody after", async () => {
  await ensureUserByEmail(t.db, "made-by-cli@example.com");
  expect(await t.db.user.count({ where: { role: "owner" } })).toBe(0);
  // Two sign-ins create their users (verified), then both promotions run, in either order.
  const a = await signedUp("first-a@example.com");
  const b = await signedUp("first-b@example.com");
  const promoted = await Promise.all([promoteFirstUser(t.db, b.id), promoteFirstUser(t.db, a.id)]);
  expect(promoted).toEqual([false, true]);
  const owners = await t.db.user.findMany({ where: { role: "owner" } });
  expect(owners.map((u) => u.id)).toEqual([a.id]);

  const later = await signedUp("later@example.com");
  expect(await promoteFirstUser(t.db, later.id)).toBe(false);
  expect((await t.db.user.findUniqueOrThrow({ where: { id: later.id } })).role).toBe("user");
});

it("does not hand the install to the next sign-up when every owner has stepped down", async () => {
  await t.db.user.updateMany({ where: { role: "owner" }, data: { role: "user" } });
  const next = await signedUp("next@example.com");
  expect(await promoteFirstUser(t.db, next.id)).toBe(false);
});
