/**
 * `admin.users.*` (PRODUCT.md 9). Reads are staffProcedure (owners and analysts), writes
 * ownerProcedure; each write records one audit row in its own transaction (domain/admin/users.ts).
 */
import { z } from "zod";
import { actorOf } from "../../../domain/admin/audit.ts";
import {
  adjustCredits,
  adjustCreditsInput,
  getUserDetail,
  listUsers,
  listUsersInput,
  setUserCaps,
  setUserCapsInput,
  setUserRoleById,
  setUserRoleInput,
  setUserStatus,
} from "../../../domain/admin/users.ts";
import { createTRPCRouter, ownerProcedure, staffProcedure } from "../../trpc.ts";

const userIdInput = z.object({ userId: z.uuid() });

export const usersRouter = createTRPCRouter({
  /** `{ search?, role?, status?, cursor?, limit? }` → `{ items: { id, email, name, role, status, createdAt, balance, reserved, lastActiveAt }[], nextCursor }`. */
  list: staffProcedure.input(listUsersInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  /** `{ userId }` → user, wallet, transactions (20 newest), usage (30 days, by model), roomsCount, lastActiveAt, caps. */
  byId: staffProcedure.input(userIdInput).query(({ ctx, input }) => getUserDetail(ctx.db, input.userId)),

  suspend: ownerProcedure.input(userIdInput).mutation(({ ctx, input }) => setUserStatus(ctx.db, actorOf(ctx.user), { userId: input.userId, status: "suspended" })),
  reactivate: ownerProcedure.input(userIdInput).mutation(({ ctx, input }) => setUserStatus(ctx.db, actorOf(ctx.user), { userId: input.userId, status: "active" })),
  /** `{ userId, role: 'user' | 'analyst' | 'owner' }`; the last active owner cannot be demoted (CONFLICT). */
  setRole: ownerProcedure.input(setUserRoleInput).mutation(({ ctx, input }) => setUserRoleById(ctx.db, actorOf(ctx.user), input)),
  /** `{ userId, direction: 'grant' | 'debit', amount, reason, idempotencyKey? }`: an `admin_adjustment` transaction. */
  adjustCredits: ownerProcedure.input(adjustCreditsInput).mutation(({ ctx, input }) => adjustCredits(ctx.db, actorOf(ctx.user), input)),
  /** `{ userId, dailyCap, monthlyCap }`, decimal strings or null for none. */
  setCaps: ownerProcedure.input(setUserCapsInput).mutation(({ ctx, input }) => setUserCaps(ctx.db, actorOf(ctx.user), input)),
});
