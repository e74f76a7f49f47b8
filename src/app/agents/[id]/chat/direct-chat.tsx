"use client";

import Link from "next/link";
import { useState } from "react";
import { SessionChat } from "@/components/chat/session-chat.tsx";
import { api } from "@/trpc/react.tsx";

/** Direct chat with one agent: its sessions, and the same live timeline and composer as a room (no tags). */
export function DirectChat(props: { agentId: string }) {
  const utils = api.useUtils();
  const agent = api.agents.byId.useQuery({ id: props.agentId }, { retry: false });
  const sessions = api.sessions.list.useQuery({ agentId: props.agentId, limit: 50 }, { enabled: !!agent.data });
  const [selected, setSelected] = useState<string | null>(null);
  const create = api.sessions.create.useMutation({
    onSuccess: async (session) => {
      setSelected(session.id);
      await utils.sessions.list.invalidate({ agentId: props.agentId });
    },
  });

  if (agent.error) return <p className="field-error" role="alert">{agent.error.data?.code === "not_found" ? "This agent does not exist, or is not yours." : agent.error.message}</p>;
  if (!agent.data) return <p>Loading agent…</p>;
  const items = sessions.data?.items ?? [];
  // A session just created is selected before the refreshed list has it.
  const currentId = selected ?? items[0]?.id ?? null;
  const current = items.find((s) => s.id === currentId) ?? null;
  const label = (id: string, title: string) => title || `Chat ${items.length - items.findIndex((s) => s.id === id)}`;

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Chat with {agent.data.name}</h1>
          <p className="muted" style={{ margin: 0 }}>
            @{agent.data.key} · {agent.data.modelAlias}
          </p>
        </div>
        <Link className="button secondary" href="/agents">
          Agent library
        </Link>
      </div>
      <div className="two-col workspace">
        <nav aria-labelledby="sessions-title" className="stack workspace-side">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h2 id="sessions-title" style={{ margin: 0, fontSize: "1.1rem" }}>
              Sessions
            </h2>
            <button type="button" className="button small" disabled={create.isPending} onClick={() => create.mutate({ agentId: props.agentId })}>
              New session
            </button>
          </div>
          {create.error && <p className="field-error" role="alert">Could not start a session: {create.error.message}</p>}
          {items.length === 0 && sessions.data && <p className="muted">No sessions yet. Sending a message starts one.</p>}
          <ul className="item-list session-list">
            {items.map((session) => (
              <li key={session.id}>
                <button
                  type="button"
                  className="button secondary small session-button"
                  aria-current={currentId === session.id ? "true" : undefined}
                  onClick={() => setSelected(session.id)}
                >
                  {label(session.id, session.title)} · {session.createdAt.toLocaleDateString()}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <SessionChat
          sessionId={currentId}
          ensureSession={async () => (await create.mutateAsync({ agentId: props.agentId })).id}
          mode="direct"
          roster={[]}
          title={current ? label(current.id, current.title) : currentId ? "Chat" : "New chat"}
          empty={<p className="muted">{currentId ? `No messages yet. Say hello to ${agent.data.name}.` : `Send a message to start a chat with ${agent.data.name}.`}</p>}
          placeholder={`Message ${agent.data.name}…`}
        />
      </div>
    </div>
  );
}
