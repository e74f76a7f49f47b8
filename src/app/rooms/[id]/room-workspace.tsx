"use client";

import Link from "next/link";
import { SessionChat } from "@/components/chat/session-chat.tsx";
import { SessionList, useSessionPicker } from "@/components/chat/session-list.tsx";
import { useRefreshFiles } from "@/components/files/files-api.ts";
import { FilesPanel } from "@/components/files/files-panel.tsx";
import { ModeSwitcher } from "@/components/mode-switcher.tsx";
import { api } from "@/trpc/react.tsx";

/** The room workspace: its sessions, the mode switcher and the room's files, and the selected session's live timeline and composer. */
export function RoomWorkspace(props: { roomId: string }) {
  const utils = api.useUtils();
  const room = api.rooms.byId.useQuery({ id: props.roomId }, { retry: false });
  const mode = api.mode.get.useQuery({ roomId: props.roomId }, { enabled: !!room.data });
  const sessions = useSessionPicker({ roomId: props.roomId }, { enabled: !!room.data, noun: "Session" });
  const refreshFiles = useRefreshFiles();

  if (room.error) return <p className="field-error" role="alert">{room.error.data?.appCode === "not_found" ? "This room does not exist, or is not yours." : room.error.message}</p>;
  if (!room.data) return <p>Loading room…</p>;
  const roster = room.data.roster.map((a) => ({ key: a.key, name: a.name, model: a.modelAlias }));

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{room.data.name}</h1>
          {room.data.goal && <p className="lede">{room.data.goal}</p>}
          <p className="muted" style={{ margin: 0 }}>
            {room.data.roster.length ? room.data.roster.map((a) => `@${a.key}`).join(" · ") : "No agents on the roster yet."}
          </p>
        </div>
        <Link className="button secondary" href={`/rooms/${props.roomId}/setup`}>
          Set up room
        </Link>
      </div>
      <div className="two-col workspace">
        <div className="stack workspace-side-col">
          <SessionList picker={sessions}>
            <ModeSwitcher roomId={props.roomId} />
          </SessionList>
          <FilesPanel scope={{ roomId: props.roomId }} owner="room" />
        </div>
        <SessionChat
          sessionId={sessions.currentId}
          ensureSession={sessions.ensureSession}
          mode={mode.data ? (mode.data.pendingMode ?? mode.data.currentMode) : null}
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
          placeholder={mode.data && (mode.data.pendingMode ?? mode.data.currentMode) === "manual" ? "Message… tag agents with @key" : "Message the room…"}
          onFileStatus={refreshFiles}
          onModeMaybeChanged={() => {
            void utils.mode.get.invalidate({ roomId: props.roomId });
            void utils.mode.history.invalidate({ roomId: props.roomId });
          }}
        />
      </div>
    </div>
  );
}
