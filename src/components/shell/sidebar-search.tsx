"use client";

import Link from "next/link";
import { useEffect, useId, useState, type RefObject } from "react";
import { relativeTime } from "@/lib/relative-time.ts";
import { api } from "@/trpc/react.tsx";
import { sessionHref } from "./where.ts";

/** A snippet with its matches marked: plain text cut at the offsets, never parsed as HTML. */
function Highlighted(props: { text: string; ranges: [number, number][] }) {
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const [start, end] of props.ranges) {
    if (start < at || end > props.text.length) continue;
    parts.push(props.text.slice(at, start), <mark key={start}>{props.text.slice(start, end)}</mark>);
    at = end;
  }
  parts.push(props.text.slice(at));
  return <>{parts}</>;
}

/** Waits until typing pauses: one search per pause, not one per key. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * Search across every session (messages' full text): each result links to its session and the
 * message in it (`#m-<seq>`). Snippets are plain text and rendered as text, never as HTML.
 */
export function SidebarSearch({ inputRef, onNavigate, idPrefix }: { inputRef: RefObject<HTMLInputElement | null>; onNavigate: () => void; idPrefix: string }) {
  const [text, setText] = useState("");
  const query = useDebounced(text.trim(), 250);
  const search = api.sessions.search.useQuery({ query, limit: 20 }, { enabled: query.length >= 2, staleTime: 10_000 });
  const baseId = useId();
  const inputId = `${idPrefix}-search`;
  const resultsId = `${baseId}-results`;
  const active = text.trim().length >= 2;

  return (
    <div role="search" className="sidebar-search">
      <label htmlFor={inputId} className="visually-hidden">
        Search all sessions
      </label>
      <input
        ref={inputRef}
        id={inputId}
        type="search"
        placeholder="Search chats…"
        autoComplete="off"
        value={text}
        aria-keyshortcuts="Control+K"
        aria-controls={active ? resultsId : undefined}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && text) {
            // Escape clears first; a second Escape reaches the drawer and closes it.
            e.preventDefault();
            e.stopPropagation();
            setText("");
          }
        }}
      />
      {active && (
        <div id={resultsId} className="search-results" aria-live="polite" aria-busy={search.isFetching}>
          {(search.isLoading || query !== text.trim()) && !search.data && <p className="sidebar-note">Searching…</p>}
          {search.error && <p className="sidebar-note field-error">Search failed: {search.error.message}</p>}
          {search.data && search.data.items.length === 0 && <p className="sidebar-note">No message matches “{query}”.</p>}
          {search.data && search.data.items.length > 0 && (
            <ul aria-label={`Results for ${query}`}>
              {search.data.items.map((hit) => (
                <li key={hit.messageId}>
                  <Link
                    className="search-hit"
                    href={sessionHref(hit.roomId ? { roomId: hit.roomId } : { agentId: hit.agentId! }, hit.sessionId, hit.seq)}
                    onClick={onNavigate}
                  >
                    <span className="search-hit-title">{hit.sessionTitle || "New chat"}</span>
                    <span className="sidebar-time">
                      {hit.roomName ?? hit.agentName} · {relativeTime(hit.createdAt)}
                    </span>
                    <span className="search-hit-snippet">
                      <Highlighted text={hit.snippet} ranges={hit.highlights} />
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
