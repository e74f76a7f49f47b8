/** One check for "was that a unique violation?", whichever way the query reached PostgreSQL. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { isForeignKeyViolation, isUniqueViolation } from "./db-errors.ts";
import { ensureUserByEmail } from "./domain/auth/users.ts";
import { getWallet } from "./domain/metering/wallet.ts";

const t = databaseForThisFile();

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the query to fail");
}

it("recognises a unique violation from Prisma's query builder and from a raw query, and nothing else", async () => {
  const user = await ensureUserByEmail(t.db, `u-${randomUUID()}@example.com`);
  const data = { userId: user.id, kind: "grant" as const, amount: "1", balanceAfter: "1", referenceId: `ref-${randomUUID()}` };
  await t.db.creditTransaction.create({ data });
  expect(isUniqueViolation(await caught(() => t.db.creditTransaction.create({ data })))).toBe(true);
  expect(
    isUniqueViolation(
      await caught(
        () => t.db.$executeRaw`INSERT INTO credit_transactions (id, user_id, kind, amount, balance_after, reference_id) VALUES (gen_random_uuid(), ${user.id}::uuid, 'grant', 1, 1, ${data.referenceId})`,
      ),
    ),
  ).toBe(true);
  // A foreign-key violation and a plain error are not.
  const missingUser = await caught(() => t.db.creditTransaction.create({ data: { ...data, userId: randomUUID(), referenceId: null } }));
  expect(isUniqueViolation(missingUser)).toBe(false);
  expect(isForeignKeyViolation(missingUser)).toBe(true);
  expect(isForeignKeyViolation(await caught(() => t.db.$executeRaw`INSERT INTO credit_wallets (user_id, balance, reserved, updated_at) VALUES (${randomUUID()}::uuid, 0, 0, now())`))).toBe(true);
  expect(isUniqueViolation(new Error("boom"))).toBe(false);
  expect(isForeignKeyViolation(new Error("boom"))).toBe(false);
});

it("a wallet read for an account deleted meanwhile is unauthorized, not an internal error", async () => {
  await expect(getWallet(t.db, randomUUID())).rejects.toMatchObject({ code: "unauthorized" });
});
