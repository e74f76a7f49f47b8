/**
 * Which files a tool call may see: the live files of the turn's room (or, in a direct chat, of its
 * session), and only ever the turn's user's. One definition for `file_search` and `file_read`.
 */
import { Prisma } from "@/generated/prisma/client.ts";
import type { ToolContext } from "./tool.ts";

export type FileScope = Pick<ToolContext, "userId" | "roomId" | "sessionId">;

/** Prisma filter for the scope's live (not deleted) files, whatever their status. */
export function liveFilesWhere(scope: FileScope): Prisma.FileWhereInput {
  return {
    userId: scope.userId,
    deletedAt: null,
    ...(scope.roomId !== null ? { roomId: scope.roomId } : { sessionId: scope.sessionId }),
  };
}

/** The same scope, ready files only, as SQL on the alias `f` of `files`. */
export function readyFilesSql(scope: FileScope): Prisma.Sql {
  const owner = scope.roomId !== null ? Prisma.sql`f.room_id = ${scope.roomId}::uuid` : Prisma.sql`f.session_id = ${scope.sessionId}::uuid`;
  return Prisma.sql`f.user_id = ${scope.userId}::uuid AND f.deleted_at IS NULL AND f.status = 'ready' AND ${owner}`;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can be a file id at all (anything else would make PostgreSQL's uuid cast fail). */
export const isUuid = (id: string) => uuidPattern.test(id);
