"use client";

import Link from "next/link";
import { useState } from "react";
import { SessionChat } from "@/components/chat/session-chat.tsx";
import { ModeSwitcher } from "@/components/mode-switcher.tsx";
import { api } from "@/trpc/react.tsx";

/** The room workspace: its sessions, the selected session's live timeline and composer, and the mode switcher. */
export function RoomWorkspace(props: { roomId: string }) {
  const utils = api.useUtils();
  const room = api.rooms.byId.useQuery({ id: props.roomId }, { retry: false });
  const mode = api.mode.get.useQuery({ roomId: props.roomId }, { enabled: !!room.data });
  const sessions = api.sessions.list.useQuery({ roomId: props.roomId, limit: 50 }, { enabled: !!room.data });
  const [selected, setSelected] = useState<string | null>(null);
  const create = api.sessions.create.useMutation({
    onSuccess: async (session) => {
      setSelected(session.id);
      await utils.sessions.list.invalidate({ roomId: props.roomId });
    },
  });

  if (room.error) return <p className="field-error" role="alert">{room.error.data?.code === "not_found" ? "This room does not exist, or is not yours." : room.error.message}</p>;
  if (!room.data) return <p>Loading room…</p>;
  // A session just created is selected before the refreshed list has it.
  const currentId = selected ?? sessions.data?.items[0]?.id ?? null;
  const current = sessions.data?.items.find((s) => s.id === currentId) ?? null;
  const roster = room.data.roster.map((a) => ({ key: a.key, name: a.name, model: a.modelAlias }));
  const sessionNumber = (id: string) => {
    const items = sessions.data?.items ?? [];
    return items.length - items.findIndex((s) => s.id === id);
  };

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
        <nav aria-labelledby="sessions-title" className="stack workspace-side">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h2 id="sessions-title" style={{ margin: 0, fontSize: "1.1rem" }}>
              Sessions
            </h2>
            <button type="button" className="button small" disabled={create.isPending} onClick={() => create.mutate({ roomId: props.roomId })}>
              New session
            </button>
          </div>
          {create.error && <p className="field-error" role="alert">Could not start a session: {create.error.message}</p>}
          {sessions.data?.items.length === 0 && <p className="muted">No sessions yet. Sending a message starts one.</p>}
          <ul className="item-list session-list">
            {sessions.data?.items.map((session) => (
              <li key={session.id}>
                <button
                  type="button"
                  className="button secondary small session-button"
                  aria-current={currentId === session.id ? "true" : undefined}
                  onClick={() => setSelected(session.id)}
                >
                  {session.title || `Session ${sessionNumber(session.id)}`} · {session.createdAt.toLocaleDateString()}
                </button>
              </li>
            ))}
          </ul>
          <ModeSwitcher roomId={props.roomId} />
        </nav>
        <SessionChat
          sessionId={currentId}
          ensureSession={async () => {
            const session = await create.mutateAsync({ roomId: props.roomId });
            return session.id;
          }}
          mode={mode.data ? (mode.data.pendingMode ?? mode.data.currentMode) : null}
          roster={roster}
          title={current ? current.title || `Session ${sessionNumber(current.id)}` : currentId ? "Session" : "New session"}
          empty={
            <p className="muted">
              {currentId ? "No messages in this session yet." : "No session yet: send a message to start one."}
              {room.data.roster.length === 0 && (
                <>
                  {" "}
                  <Link href={`/rooms/${props.roomId}/setup`}>Add agents to the roster</Link> first.
                </>
              )}
            </p>
          }
          placeholder={mode.data && (mode.data.pendingMode ?? mode.data.currentMode) === "manual" ? "Message… tag agents with @key" : "Message the room…"}
          onModeMaybeChanged={() => {
            void utils.mode.get.invalidate({ roomId: props.roomId });
            void utils.mode.history.invalidate({ roomId: props.roomId });
          }}
        />
      </div>
    </div>
  );
}
