"use client";

import Link from "next/link";
import { useEffect, useState, type RefObject } from "react";
import { relativeTime } from "@/lib/relative-time.ts";
import { api } from "@/trpc/react.tsx";
import { SidebarSearch } from "./sidebar-search.tsx";
import { isCurrentSection, sessionHref, type Where } from "./where.ts";

export type ShellUser = { email: string; role: string };

/** A room's or a direct chat's sessions, newest first: loaded only when shown (expanded, or the one on screen). */
function SessionLinks(props: { owner: { roomId: string } | { agentId: string }; where: Where; current: boolean; onNavigate: () => void }) {
  // Same input as the conversation page's picker: one cache, so a new or renamed session shows in both.
  const sessions = api.sessions.list.useQuery({ ...props.owner, limit: 50 });
  if (sessions.isLoading) return <p className="sidebar-note">Loading sessions…</p>;
  if (sessions.error) return <p className="sidebar-note field-error">Could not load sessions.</p>;
  const items = sessions.data?.items ?? [];
  if (items.length === 0) return <p className="sidebar-note">No sessions yet.</p>;
  // On the page with no ?s=, the conversation shows the newest session: mark that one.
  const shownId = props.current ? (props.where.sessionId ?? items[0]?.id) : null;
  return (
    <ul className="sidebar-sessions">
      {items.map((session) => (
        <li key={session.id}>
          <Link href={sessionHref(props.owner, session.id)} aria-current={shownId === session.id ? "page" : undefined} onClick={props.onNavigate}>
            <span className="sidebar-session-title">{session.title || "New chat"}</span>
            <span className="sidebar-time">{relativeTime(session.updatedAt ?? session.createdAt)}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** One room or direct chat in the sidebar: its link, and a toggle that shows its sessions. */
function Entry(props: { owner: { roomId: string } | { agentId: string }; href: string; name: string; detail?: string; where: Where; onNavigate: () => void; idPrefix: string }) {
  const current = "roomId" in props.owner ? props.where.roomId === props.owner.roomId : props.where.agentId === props.owner.agentId;
  const [open, setOpen] = useState<boolean | null>(null);
  // The one on screen is open unless closed by hand.
  const expanded = open ?? current;
  const listId = `${props.idPrefix}-sessions-${"roomId" in props.owner ? props.owner.roomId : props.owner.agentId}`;
  return (
    <li className="sidebar-entry" data-current={current || undefined}>
      <div className="sidebar-entry-row">
        <button type="button" className="sidebar-disclosure" aria-expanded={expanded} aria-controls={listId} aria-label={`Sessions of ${props.name}`} onClick={() => setOpen(!expanded)}>
          <span aria-hidden="true">{expanded ? "▾" : "▸"}</span>
        </button>
        <Link href={props.href} className="sidebar-entry-link" aria-current={current ? "true" : undefined} onClick={props.onNavigate}>
          <span className="sidebar-entry-name">{props.name}</span>
          {props.detail && <span className="sidebar-time">{props.detail}</span>}
        </Link>
      </div>
      <div id={listId} hidden={!expanded}>
        {expanded && <SessionLinks owner={props.owner} where={props.where} current={current} onNavigate={props.onNavigate} />}
      </div>
    </li>
  );
}

const bottomLinks = (user: ShellUser) => [
  { href: "/agents", label: "Agents" },
  { href: "/usage", label: "Usage" },
  ...(user.role === "owner" || user.role === "analyst" ? [{ href: "/admin", label: "Admin" }] : []),
  { href: "/status", label: "Status" },
  { href: "/account", label: "Account" },
];

/**
 * The sidebar's content (the same in the desktop column and the phone drawer): search, New room,
 * rooms with their sessions, direct chats, and the other sections at the bottom.
 */
export function Sidebar(props: { user: ShellUser; where: Where; searchRef: RefObject<HTMLInputElement | null>; onNavigate: () => void; onHelp: () => void; idPrefix: string }) {
  const { where } = props;
  const rooms = api.rooms.list.useQuery({ limit: 30 });
  const agents = api.agents.list.useQuery({ limit: 100 });
  // A room opened from elsewhere (another tab, a link) that the cached list predates: fetch it again.
  const missing = !!rooms.data && !!where.roomId && !rooms.data.items.some((r) => r.id === where.roomId);
  const refetchRooms = rooms.refetch;
  useEffect(() => {
    if (missing) void refetchRooms();
  }, [missing, refetchRooms]);

  return (
    <div className="sidebar-inner">
      <SidebarSearch inputRef={props.searchRef} onNavigate={props.onNavigate} idPrefix={props.idPrefix} />
      <Link href="/rooms/new" className="button sidebar-new" aria-current={where.pathname === "/rooms/new" ? "page" : undefined} onClick={props.onNavigate}>
        <span aria-hidden="true">+</span> New room
      </Link>
      <nav className="sidebar-scroll" aria-label="Rooms and chats">
        <div className="sidebar-section">
          <h2 className="sidebar-heading">
            <Link href="/" aria-current={where.pathname === "/" ? "page" : undefined} onClick={props.onNavigate}>
              Rooms
            </Link>
          </h2>
          {rooms.isLoading && <p className="sidebar-note">Loading rooms…</p>}
          {rooms.error && <p className="sidebar-note field-error">Could not load rooms.</p>}
          {rooms.data?.items.length === 0 && <p className="sidebar-note">No rooms yet.</p>}
          <ul className="sidebar-list">
            {rooms.data?.items.map((room) => (
              <Entry key={room.id} owner={{ roomId: room.id }} href={`/rooms/${room.id}`} name={room.name} detail={relativeTime(room.lastActivityAt)} where={where} onNavigate={props.onNavigate} idPrefix={props.idPrefix} />
            ))}
          </ul>
        </div>
        <div className="sidebar-section">
          <h2 className="sidebar-heading">Direct chats</h2>
          {agents.data?.items.length === 0 && (
            <p className="sidebar-note">
              <Link href="/agents" onClick={props.onNavigate}>
                Create an agent
              </Link>{" "}
              to chat with it.
            </p>
          )}
          <ul className="sidebar-list">
            {agents.data?.items.map((agent) => (
              <Entry key={agent.id} owner={{ agentId: agent.id }} href={`/agents/${agent.id}/chat`} name={agent.name} detail={`@${agent.key}`} where={where} onNavigate={props.onNavigate} idPrefix={props.idPrefix} />
            ))}
          </ul>
        </div>
      </nav>
      <nav className="sidebar-bottom" aria-label="Main">
        <ul>
          {bottomLinks(props.user).map((link) => (
            <li key={link.href}>
              <Link href={link.href} aria-current={isCurrentSection(link.href, where.pathname) ? "page" : undefined} onClick={props.onNavigate}>
                {link.label}
              </Link>
            </li>
          ))}
          <li>
            <button type="button" className="sidebar-link-button" onClick={props.onHelp} aria-keyshortcuts="?">
              Keyboard shortcuts
            </button>
          </li>
        </ul>
        <p className="sidebar-user" title={props.user.email}>
          {props.user.email}
        </p>
      </nav>
    </div>
  );
}
