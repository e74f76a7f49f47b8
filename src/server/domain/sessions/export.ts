/**
 * `sessions.export`: a session as a file the user keeps — Markdown to read (title, room or agent,
 * each message with its speaker and time) or JSON to process (the session, its messages and a
 * summary of its turns). Only the conversation: tool traces and private messages are left out, as
 * in the timeline.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";

export const exportSessionInput = z.object({ id: z.uuid(), format: z.enum(["markdown", "json"]) });

export async function exportSession(db: Db, userId: string, input: z.infer<typeof exportSessionInput>) {
  const session = await db.chatSession.findFirst({
    where: { id: input.id, userId, deletedAt: null },
    include: { room: { select: { id: true, name: true, goal: true } }, agent: { select: { id: true, key: true, name: true } } },
  });
  if (!session) throw new AppError("not_found", "No such session.");
  const [messages, turns] = await Promise.all([
    db.message.findMany({
      where: { sessionId: session.id, role: { not: "tool" }, visibility: "shared" },
      orderBy: { seq: "asc" },
      select: { id: true, seq: true, role: true, agentKey: true, agentName: true, content: true, createdAt: true, turnId: true },
    }),
    db.turn.findMany({
      where: { sessionId: session.id },
      orderBy: { index: "asc" },
      select: { id: true, index: true, mode: true, status: true, action: true, sourceTurnId: true, userInput: true, createdAt: true, finishedAt: true },
    }),
  ]);
  const title = session.title.trim() || firstLine(turns[0]?.userInput) || "Untitled session";
  const base = `${slug(title)}-${session.createdAt.toISOString().slice(0, 10)}`;

  if (input.format === "json") {
    const body = {
      session: {
        id: session.id,
        title: session.title,
        room: session.room ? { id: session.room.id, name: session.room.name } : null,
        agent: session.agent ? { id: session.agent.id, key: session.agent.key, name: session.agent.name } : null,
        createdAt: session.createdAt,
      },
      messages: messages.map((m) => ({ ...m, seq: m.seq.toString() })),
      turns,
      exportedAt: new Date(),
    };
    return { filename: `${base}.json`, mimeType: "application/json", content: JSON.stringify(body, null, 2) + "\n" };
  }

  const lines = [`# ${title}`, ""];
  if (session.room) lines.push(`Room: ${session.room.name}${session.room.goal ? ` — ${session.room.goal}` : ""}`);
  if (session.agent) lines.push(`Direct chat with ${session.agent.name} (@${session.agent.key})`);
  lines.push(`Started: ${stamp(session.createdAt)}`, "");
  for (const m of messages) {
    const speaker = m.role === "user" ? "You" : m.agentKey ? `${m.agentName ?? m.agentKey} (@${m.agentKey})` : (m.agentName ?? "Assistant");
    lines.push("---", "", `**${speaker}** · ${stamp(m.createdAt)}`, "", m.content.trimEnd(), "");
  }
  return { filename: `${base}.md`, mimeType: "text/markdown", content: lines.join("\n") };
}

function stamp(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n")[0]!.trim().slice(0, 80);
}

/** A file name from a title: lowercase letters, digits and hyphens, never empty. */
export function slug(title: string): string {
  const s = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return s || "session";
}
