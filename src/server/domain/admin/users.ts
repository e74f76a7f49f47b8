/**
 * The admin console's users (PRODUCT.md 9): search and page users, one user's page (role, status,
 * wallet, transactions, usage, rooms, last activity, caps), and the owners' actions on them. Every
 * action records one `admin_audit_logs` row in the transaction that makes the change, so a refused
 * or failed action leaves none. The router and the operator CLI both call these.
 */
import { Decimal } from "decimal.js";
import { z } from "zod";
import type { Db } from "../../db.ts";
import { Prisma, type UserRole, type UserStatus } from "@/generated/prisma/client.ts";
import { isUniqueViolation } from "../../db-errors.ts";
import { AppError } from "../../errors.ts";
import { USER_STATUS_CHANNEL } from "../../realtime/account-watch.ts";
import { publish } from "../../realtime/publish.ts";
import { userRoles } from "../auth/users.ts";
import { availableCredits } from "../metering/formula.ts";
import { ensureWallet } from "../metering/wallet.ts";
import { getSettings } from "../settings/settings.ts";
import { recordAudit, type AuditActor } from "./audit.ts";
import { readCapUsage } from "./user-caps.ts";

type Tx = Prisma.TransactionClient;

export const userStatuses = ["active", "suspended"] as const satisfies readonly UserStatus[];

/** Credits as typed by a person: a positive exact decimal, at most 6 places (never through a float). */
export const creditAmount = z
  .string()
  .trim()
  .regex(/^\d{1,14}(\.\d{1,6})?$/, "A positive number with at most 6 decimals, like 50 or 12.5")
  // As text (zod runs it even when the pattern failed): not all zeros.
  .refine((v) => !/^0*(\.0*)?$/.test(v), "Must be more than 0");

// --- reading ---------------------------------------------------------------------------------

export const listUsersInput = z.object({
  /** A piece of the e-mail or the name, any case. */
  search: z.string().trim().max(200).optional(),
  role: z.enum(userRoles).optional(),
  status: z.enum(userStatuses).optional(),
  /** The last user of the previous page (`nextCursor`). */
  cursor: z.uuid().optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type ListUsersInput = z.input<typeof listUsersInput>;

export interface UserRow {
  id: string;
  email: string | null;
  name: string | null;
  role: UserRole;
  status: UserStatus;
  createdAt: Date;
  /** Null until the user's wallet exists (their first send or page view). */
  balance: string | null;
  reserved: string | null;
  /** Their latest turn or ledger row. */
  lastActiveAt: Date | null;
}

/** Newest users first; `nextCursor` pages on (by creation time, then id). */
export async function listUsers(db: Db, rawInput: ListUsersInput): Promise<{ items: UserRow[]; nextCursor: string | null }> {
  const input = listUsersInput.parse(rawInput);
  const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (input.search) {
    const pattern = `%${input.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(Prisma.sql`(u.email ILIKE ${pattern} OR u.name ILIKE ${pattern})`);
  }
  if (input.role) conditions.push(Prisma.sql`u.role = ${input.role}::user_role`);
  if (input.status) conditions.push(Prisma.sql`u.status = ${input.status}::user_status`);
  if (input.cursor) {
    conditions.push(Prisma.sql`(u.created_at, u.id) < (SELECT created_at, id FROM users WHERE id = ${input.cursor}::uuid)`);
  }
  const rows = await db.$queryRaw<UserRow[]>`
    SELECT u.id, u.email, u.name, u.role::text AS role, u.status::text AS status, u.created_at AS "createdAt",
      w.balance::text AS balance, w.reserved::text AS reserved,
      GREATEST(
        (SELECT max(created_at) FROM turns WHERE user_id = u.id),
        (SELECT max(created_at) FROM llm_call_events WHERE user_id = u.id)) AS "lastActiveAt"
    FROM users u LEFT JOIN credit_wallets w ON w.user_id = u.id
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY u.created_at DESC, u.id DESC
    LIMIT ${input.limit + 1}`;
  const items = rows.slice(0, input.limit);
  return { items, nextCursor: rows.length > input.limit ? items.at(-1)!.id : null };
}

async function findUser(db: Pick<Db, "user">, userId: string) {
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError("not_found", "No such user.");
  return user;
}

/** The user with this e-mail (for the CLI), or NOT_FOUND. */
export async function userByEmail(db: Db, email: string) {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  if (!user) throw new AppError("not_found", `No user with e-mail ${email}.`);
  return user;
}

const USAGE_DAYS = 30;

/** Everything a user's console page shows. */
export async function getUserDetail(db: Db, userId: string) {
  const user = await findUser(db, userId);
  const since = new Date(Date.now() - USAGE_DAYS * 86_400_000);
  const [wallet, transactions, byModel, tools, counts, capUsage] = await Promise.all([
    db.creditWallet.findUnique({ where: { userId } }),
    db.creditTransaction.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 20 }),
    db.$queryRaw<{ modelAlias: string; calls: number; credits: string; tokens: number }[]>`
      SELECT model_alias AS "modelAlias", count(*)::int AS calls, sum(credits_burned)::text AS credits, COALESCE(sum(total_tokens), 0)::int AS tokens
      FROM llm_call_events WHERE user_id = ${userId}::uuid AND created_at >= ${since}
      GROUP BY model_alias ORDER BY sum(credits_burned) DESC, model_alias`,
    db.$queryRaw<{ calls: number; credits: string }[]>`
      SELECT count(*)::int AS calls, COALESCE(sum(credits), 0)::text AS credits
      FROM tool_call_events WHERE user_id = ${userId}::uuid AND started_at >= ${since}`,
    db.$queryRaw<{ rooms: number; tokens: number; lastTurnAt: Date | null; lastCallAt: Date | null; sessions: number }[]>`
      SELECT (SELECT count(*)::int FROM rooms WHERE user_id = ${userId}::uuid AND deleted_at IS NULL) AS rooms,
        (SELECT count(*)::int FROM auth_sessions WHERE user_id = ${userId}::uuid AND expires > now()) AS sessions,
        (SELECT count(*)::int FROM api_tokens WHERE user_id = ${userId}::uuid AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS tokens,
        (SELECT max(created_at) FROM turns WHERE user_id = ${userId}::uuid) AS "lastTurnAt",
        (SELECT max(created_at) FROM llm_call_events WHERE user_id = ${userId}::uuid) AS "lastCallAt"`,
    readCapUsage(db, userId),
  ]);
  const c = counts[0]!;
  const modelCredits = byModel.reduce((sum, m) => sum.plus(m.credits), new Decimal(0));
  const last = [c.lastTurnAt, c.lastCallAt].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status, createdAt: user.createdAt, emailVerified: user.emailVerified },
    wallet: wallet
      ? { balance: wallet.balance.toString(), reserved: wallet.reserved.toString(), available: availableCredits({ balance: wallet.balance.toString(), reserved: wallet.reserved.toString() }).toString() }
      : null,
    transactions: transactions.map((t) => ({
      id: t.id,
      kind: t.kind,
      amount: t.amount.toString(),
      balanceAfter: t.balanceAfter.toString(),
      referenceId: t.referenceId,
      initiatedBy: t.initiatedBy,
      note: t.note,
      createdAt: t.createdAt,
    })),
    usage: {
      days: USAGE_DAYS,
      since,
      calls: byModel.reduce((n, m) => n + m.calls, 0),
      /** Model calls and tool calls together. */
      credits: modelCredits.plus(tools[0]!.credits).toString(),
      byModel,
      toolCalls: tools[0]!.calls,
      toolCredits: new Decimal(tools[0]!.credits).toString(),
    },
    roomsCount: c.rooms,
    activeSessions: c.sessions,
    activeTokens: c.tokens,
    lastActiveAt: last,
    caps: {
      dailyCap: capUsage.dailyCap === null ? null : new Decimal(capUsage.dailyCap).toString(),
      monthlyCap: capUsage.monthlyCap === null ? null : new Decimal(capUsage.monthlyCap).toString(),
      burnedToday: new Decimal(capUsage.burnedToday).toString(),
      burnedThisMonth: new Decimal(capUsage.burnedThisMonth).toString(),
      held: new Decimal(capUsage.held).toString(),
      dayResetsAt: capUsage.windows.dayResetsAt,
      monthResetsAt: capUsage.windows.monthResetsAt,
    },
  };
}
export type UserDetail = Awaited<ReturnType<typeof getUserDetail>>;

// --- acting ----------------------------------------------------------------------------------

/**
 * Serialises the changes that could leave the install without an active owner (a role change, a
 * suspension), so two owners demoting each other at once cannot both succeed.
 */
async function lockOwners(tx: Tx) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('pantheon:owners'))`;
}

async function assertAnotherActiveOwner(tx: Tx, userId: string, what: string) {
  const others = await tx.user.count({ where: { role: "owner", status: "active", id: { not: userId } } });
  if (others === 0) throw new AppError("conflict", `This is the last active owner: make someone else an owner before you ${what}.`, { reason: "last_owner" });
}

export const setUserStatusInput = z.object({ userId: z.uuid(), status: z.enum(userStatuses) });

/**
 * Suspends or reactivates a user. Suspending also deletes their browser sessions (their cookies stop
 * working everywhere at once; their API tokens are refused by the status check on every call) and
 * notifies every web process, whose open event streams of that user end (realtime/account-watch.ts).
 * Refused for oneself and for the last active owner.
 */
export async function setUserStatus(db: Db, actor: AuditActor, rawInput: z.input<typeof setUserStatusInput>) {
  const input = setUserStatusInput.parse(rawInput);
  const suspend = input.status === "suspended";
  if (suspend && actor.id === input.userId) throw new AppError("conflict", "You cannot suspend your own account.", { reason: "self" });
  return db.$transaction(async (tx) => {
    if (suspend) await lockOwners(tx);
    const before = await findUser(tx, input.userId);
    if (suspend && before.role === "owner") await assertAnotherActiveOwner(tx, input.userId, "suspend this one");
    const user = await tx.user.update({ where: { id: input.userId }, data: { status: input.status } });
    const sessionsRevoked = suspend ? (await tx.session.deleteMany({ where: { userId: input.userId } })).count : 0;
    // Heard on commit only.
    await publish(tx, USER_STATUS_CHANNEL, { u: user.id });
    await recordAudit(tx, actor, {
      action: suspend ? "user.suspend" : "user.reactivate",
      targetType: "user",
      targetId: user.id,
      before: { email: before.email, status: before.status },
      after: { email: user.email, status: user.status, ...(suspend ? { sessionsRevoked } : {}) },
    });
    return { id: user.id, email: user.email, status: user.status, sessionsRevoked };
  });
}

export const setUserRoleInput = z.object({ userId: z.uuid(), role: z.enum(userRoles) });

/** Changes a user's role; the last active owner cannot be demoted (by anyone, themselves included). */
export async function setUserRoleById(db: Db, actor: AuditActor, rawInput: z.input<typeof setUserRoleInput>) {
  const input = setUserRoleInput.parse(rawInput);
  return db.$transaction(async (tx) => {
    await lockOwners(tx);
    const before = await findUser(tx, input.userId);
    if (before.role === "owner" && input.role !== "owner" && before.status === "active") await assertAnotherActiveOwner(tx, input.userId, "demote this one");
    const user = await tx.user.update({ where: { id: input.userId }, data: { role: input.role } });
    await recordAudit(tx, actor, {
      action: "user.set_role",
      targetType: "user",
      targetId: user.id,
      before: { email: before.email, role: before.role },
      after: { email: user.email, role: user.role },
    });
    return { id: user.id, email: user.email, role: user.role };
  });
}

export const adjustCreditsInput = z.object({
  userId: z.uuid(),
  direction: z.enum(["grant", "debit"]),
  amount: creditAmount,
  /** Why: required, shown to the user in their transactions and kept in the audit log. */
  reason: z.string().trim().min(3, "Say why, in a few words").max(500),
  /**
   * Makes the adjustment happen once: the same key again is refused with CONFLICT and changes
   * nothing (the transaction's `reference_id`, unique per kind). The console sends one per form.
   */
  idempotencyKey: z.string().trim().min(1).max(200).optional(),
});

/**
 * Grants or debits credits as an `admin_adjustment` transaction (positive for a grant, negative for
 * a debit) with the reason as its note and the actor as `initiated_by`. A debit never takes more
 * than the wallet's available credits (balance less what calls in flight hold): a larger one is
 * refused (`unprocessable`, with `available` in details), so the balance never goes below zero and
 * calls in flight keep what they hold.
 */
export async function adjustCredits(db: Db, actor: AuditActor, rawInput: z.input<typeof adjustCreditsInput>) {
  const input = adjustCreditsInput.parse(rawInput);
  const settings = await getSettings(db);
  const amount = new Decimal(input.amount);
  const signed = input.direction === "grant" ? amount : amount.neg();
  try {
    return await db.$transaction(async (tx) => {
      const user = await findUser(tx, input.userId);
      await ensureWallet(tx, user.id, settings);
      const [before] = await tx.$queryRaw<{ balance: string; reserved: string }[]>`
        SELECT balance::text, reserved::text FROM credit_wallets WHERE user_id = ${user.id}::uuid FOR UPDATE`;
      const [after] = await tx.$queryRaw<{ balance: string }[]>`
        UPDATE credit_wallets SET balance = balance + ${signed.toString()}::numeric, updated_at = now()
        WHERE user_id = ${user.id}::uuid AND balance - reserved + ${signed.toString()}::numeric >= 0
        RETURNING balance::text`;
      if (!after) {
        const available = availableCredits(before!).toString();
        throw new AppError("unprocessable", `Cannot debit ${amount.toString()}: only ${available} credits are available (the balance less what calls in flight hold).`, {
          field: "amount",
          available,
        });
      }
      const transaction = await tx.creditTransaction.create({
        data: {
          userId: user.id,
          kind: "admin_adjustment",
          amount: signed.toString(),
          balanceAfter: after.balance,
          referenceId: input.idempotencyKey ?? null,
          initiatedBy: actor.label,
          note: input.reason,
        },
      });
      await recordAudit(tx, actor, {
        action: input.direction === "grant" ? "user.credits.grant" : "user.credits.debit",
        targetType: "user",
        targetId: user.id,
        before: { email: user.email, balance: new Decimal(before!.balance).toString() },
        after: { email: user.email, balance: new Decimal(after.balance).toString(), amount: signed.toString(), reason: input.reason, transactionId: transaction.id },
      });
      return { id: transaction.id, userId: user.id, email: user.email, amount: signed.toString(), balanceAfter: new Decimal(after.balance).toString(), reason: input.reason };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", "This adjustment was already applied (same idempotency key); nothing changed.", { reason: "duplicate" });
    throw error;
  }
}

const capValue = creditAmount.nullable();
export const setUserCapsInput = z.object({
  userId: z.uuid(),
  /** Credits per UTC day; null: no daily cap. */
  dailyCap: capValue,
  /** Credits per UTC month; null: no monthly cap. */
  monthlyCap: capValue,
});

/** Sets (or, with both null, removes) a user's daily and monthly credit caps. */
export async function setUserCaps(db: Db, actor: AuditActor, rawInput: z.input<typeof setUserCapsInput>) {
  const input = setUserCapsInput.parse(rawInput);
  return db.$transaction(async (tx) => {
    const user = await findUser(tx, input.userId);
    const existing = await tx.userCreditCaps.findUnique({ where: { userId: user.id } });
    const view = (caps: { dailyCap: { toString(): string } | null; monthlyCap: { toString(): string } | null } | null) => ({
      dailyCap: caps?.dailyCap == null ? null : new Decimal(caps.dailyCap.toString()).toString(),
      monthlyCap: caps?.monthlyCap == null ? null : new Decimal(caps.monthlyCap.toString()).toString(),
    });
    if (input.dailyCap === null && input.monthlyCap === null) await tx.userCreditCaps.deleteMany({ where: { userId: user.id } });
    else {
      const data = { dailyCap: input.dailyCap, monthlyCap: input.monthlyCap };
      await tx.userCreditCaps.upsert({ where: { userId: user.id }, create: { userId: user.id, ...data }, update: data });
    }
    const after = view(input);
    await recordAudit(tx, actor, { action: "user.set_caps", targetType: "user", targetId: user.id, before: { email: user.email, ...view(existing) }, after: { email: user.email, ...after } });
    return { userId: user.id, ...after };
  });
}
