/**
 * Sessions and agents deleted more than the restore window ago go for good (daily, by
 * `retention.deleted`; rooms have `rooms.purge`). A session takes its turns, messages, summaries,
 * events and files with it; an agent takes its direct chats (its rosters were left when it was
 * deleted). The ledger and tool calls keep their rows: their references become null.
 */
import type { Db } from "../../db.ts";
import { restoreCutoff } from "./restore-window.ts";

export interface DeletedPurgeReport {
  cutoff: string;
  sessions: number;
  agents: number;
}

export async function purgeDeletedSessionsAndAgents(db: Db, now = new Date()): Promise<DeletedPurgeReport> {
  const cutoff = restoreCutoff(now);
  const sessions = (await db.chatSession.deleteMany({ where: { deletedAt: { lt: cutoff } } })).count;
  const agents = (await db.agent.deleteMany({ where: { deletedAt: { lt: cutoff } } })).count;
  return { cutoff: cutoff.toISOString(), sessions, agents };
}
