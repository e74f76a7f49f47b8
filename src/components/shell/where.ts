/** Where the person is, read from the URL: the room or agent chat on screen and its session (`?s=`). */
export type Where = { roomId: string | null; agentId: string | null; sessionId: string | null; pathname: string };

export function whereFrom(pathname: string, sessionParam: string | null): Where {
  const room = /^\/rooms\/([0-9a-f-]{36})(?:\/|$)/i.exec(pathname);
  const agent = /^\/agents\/([0-9a-f-]{36})\/chat(?:\/|$)/i.exec(pathname);
  return { roomId: room?.[1] ?? null, agentId: agent?.[1] ?? null, sessionId: sessionParam, pathname };
}

/** The link to a session of a room or a direct chat, optionally to one message (`#m-<seq>`, the timeline's anchor). */
export function sessionHref(owner: { roomId: string } | { agentId: string }, sessionId: string, seq?: number | string | bigint): string {
  const base = "roomId" in owner ? `/rooms/${owner.roomId}` : `/agents/${owner.agentId}/chat`;
  return `${base}?s=${sessionId}${seq !== undefined ? `#m-${seq}` : ""}`;
}

/** A nav link is "you are here" on its own page and below it (/admin/users is in Admin), "/" only on itself. */
export function isCurrentSection(href: string, pathname: string): boolean {
  if (href === "/") return pathname === "/";
  return pathname === href || pathname.startsWith(`${href}/`);
}
