"use client";

import Link from "next/link";
import { SessionChat } from "@/components/chat/session-chat.tsx";
import { NewSessionButton, SessionActions, useSessionPicker } from "@/components/chat/session-list.tsx";
import { useRefreshFiles } from "@/components/files/files-api.ts";
import { FilesPanel } from "@/components/files/files-panel.tsx";
import { ModeSwitcher } from "@/components/mode-switcher.tsx";
import { FilesDrawer } from "@/components/shell/files-drawer.tsx";
import { NotFoundView } from "@/components/shell/not-found-view.tsx";
import { useFocusComposerOnOpen } from "@/components/shell/use-focus-composer.ts";
import { api } from "@/trpc/react.tsx";

/**
 * A room's conversation, full height: a compact header (name, session actions, files, setup,
 * mode, roster) over the session on screen, whose timeline scrolls above a pinned composer. The
 * sessions are in the sidebar; the session shown is the URL's `?s=` (else the newest).
 */
export function RoomWorkspace(props: { roomId: string }) {
  const utils = api.useUtils();
  const room = api.rooms.byId.useQuery({ id: props.roomId }, { retry: false });
  const mode = api.mode.get.useQuery({ roomId: props.roomId }, { enabled: !!room.data });
  const sessions = useSessionPicker({ roomId: props.roomId }, { enabled: !!room.data });
  const refreshFiles = useRefreshFiles();
  useFocusComposerOnOpen(!!room.data && sessions.loaded, sessions.currentId);

  if (room.error) {
    if (room.error.data?.appCode === "not_found")
      return <NotFoundView title="Room not found">This room does not exist, or is not yours. It may have been deleted.</NotFoundView>;
    return (
      <p className="alert error" role="alert">
        Could not load the room: {room.error.message} <Link href="/">Back to your rooms</Link>
      </p>
    );
  }
  if (!room.data) return <p className="muted">Loading room…</p>;
  const roster = room.data.roster.map((a) => ({ key: a.key, name: a.name, model: a.modelAlias }));
  const nextMode = mode.data ? (mode.data.pendingMode ?? mode.data.currentMode) : null;

  return (
    <div className="conversation">
      <header className="conv-header">
        <div className="conv-title-row">
          <div className="conv-title">
            <h1>{room.data.name}</h1>
            {room.data.goal && <p className="conv-sub">{room.data.goal}</p>}
          </div>
          <div className="conv-tools">
            <NewSessionButton picker={sessions} />
            <SessionActions picker={sessions} />
            <FilesDrawer title={`Files of ${room.data.name}`}>
              <FilesPanel scope={{ roomId: props.roomId }} owner="room" />
            </FilesDrawer>
            <Link className="icon-button" href={`/rooms/${props.roomId}/setup`} aria-label="Room setup" title="Room setup: name, goal, mode and roster">
              <span aria-hidden="true">⚙</span>
            </Link>
          </div>
        </div>
        <div className="conv-meta-row">
          <ModeSwitcher roomId={props.roomId} compact />
          {room.data.roster.length > 0 ? (
            <ul className="roster-chips" aria-label="Roster">
              {room.data.roster.map((a) => (
                <li key={a.id} title={`${a.name} · ${a.modelAlias}`}>
                  @{a.key}
                </li>
              ))}
            </ul>
          ) : (
            <Link className="roster-empty" href={`/rooms/${props.roomId}/setup`}>
              Add agents
            </Link>
          )}
        </div>
      </header>
      <div className="conv-body">
        <SessionChat
          sessionId={sessions.currentId}
          ensureSession={sessions.ensureSession}
          mode={nextMode}
          roster={roster}
          title={sessions.title}
          empty={
            <p className="muted">
              {sessions.currentId ? "No messages in this session yet." : "No session yet: send a message to start one."}
              {room.data.roster.length === 0 && (
                <>
                  {" "}
                  <Link href={`/rooms/${props.roomId}/setup`}>Add agents to the roster</Link> first.
                </>
              )}
            </p>
          }
          placeholder={nextMode === "manual" ? "Message… tag agents with @key" : "Message the room…"}
          onFileStatus={refreshFiles}
          autoFocus
          onModeMaybeChanged={() => {
            void utils.mode.get.invalidate({ roomId: props.roomId });
            void utils.mode.history.invalidate({ roomId: props.roomId });
            // The room moves to the top of the sidebar; a new session's automatic title shows there.
            void utils.rooms.list.invalidate();
            void utils.sessions.list.invalidate({ roomId: props.roomId });
          }}
        />
      </div>
    </div>
  );
}
