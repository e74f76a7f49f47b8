"use client";

import { useState, type ReactNode } from "react";
import { api } from "@/trpc/react.tsx";

/** Whose sessions: a room's, or one agent's direct chats. */
export type SessionOwner = { roomId: string } | { agentId: string };

/**
 * A room's or an agent's sessions, newest first, and the one shown: the one picked, else the newest.
 * A new session is selected once created. An untitled session is called `${noun} N`, N counting
 * from the oldest ("Session 3", "Chat 3").
 */
export function useSessionPicker(owner: SessionOwner, options: { enabled: boolean; noun: string }) {
  const utils = api.useUtils();
  const sessions = api.sessions.list.useQuery({ ...owner, limit: 50 }, { enabled: options.enabled });
  const [selected, setSelected] = useState<string | null>(null);
  const create = api.sessions.create.useMutation({
    onSuccess: async (session) => {
      setSelected(session.id);
      await utils.sessions.list.invalidate(owner);
    },
  });

  const items = sessions.data?.items ?? [];
  // A session just created is selected before the refreshed list has it.
  const currentId = selected ?? items[0]?.id ?? null;
  const current = items.find((s) => s.id === currentId) ?? null;
  const label = (session: { id: string; title: string }) => session.title || `${options.noun} ${items.length - items.findIndex((s) => s.id === session.id)}`;
  return {
    loaded: !!sessions.data,
    items,
    currentId,
    select: setSelected,
    label,
    create,
    start: () => create.mutate(owner),
    /** For `SessionChat`: starts a session for a first message sent with none selected. */
    ensureSession: async () => (await create.mutateAsync(owner)).id,
    /** For `SessionChat`: the shown session's name. */
    title: current ? label(current) : currentId ? options.noun : `New ${options.noun.toLowerCase()}`,
  };
}

export type SessionPicker = ReturnType<typeof useSessionPicker>;

/** The sessions sidebar: "New session", the list with the shown session marked, then `children`. */
export function SessionList(props: { picker: SessionPicker; children?: ReactNode }) {
  const { picker } = props;
  return (
    <nav aria-labelledby="sessions-title" className="stack workspace-side">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 id="sessions-title" style={{ margin: 0, fontSize: "1.1rem" }}>
          Sessions
        </h2>
        <button type="button" className="button small" disabled={picker.create.isPending} onClick={picker.start}>
          New session
        </button>
      </div>
      {picker.create.error && <p className="field-error" role="alert">Could not start a session: {picker.create.error.message}</p>}
      {picker.loaded && picker.items.length === 0 && <p className="muted">No sessions yet. Sending a message starts one.</p>}
      <ul className="item-list session-list">
        {picker.items.map((session) => (
          <li key={session.id}>
            <button
              type="button"
              className="button secondary small session-button"
              aria-current={picker.currentId === session.id ? "true" : undefined}
              onClick={() => picker.select(session.id)}
            >
              {picker.label(session)} · {session.createdAt.toLocaleDateString()}
            </button>
          </li>
        ))}
      </ul>
      {props.children}
    </nav>
  );
}
