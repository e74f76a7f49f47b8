"use client";

import Link from "next/link";
import { SessionChat } from "@/components/chat/session-chat.tsx";
import { SessionList, useSessionPicker } from "@/components/chat/session-list.tsx";
import { useRefreshFiles } from "@/components/files/files-api.ts";
import { FilesPanel } from "@/components/files/files-panel.tsx";
import { api } from "@/trpc/react.tsx";

/** Direct chat with one agent: its sessions, the shown session's files, and the same live timeline and composer as a room (no tags). */
export function DirectChat(props: { agentId: string }) {
  const agent = api.agents.byId.useQuery({ id: props.agentId }, { retry: false });
  const sessions = useSessionPicker({ agentId: props.agentId }, { enabled: !!agent.data, noun: "Chat" });
  const refreshFiles = useRefreshFiles();

  if (agent.error) return <p className="field-error" role="alert">{agent.error.data?.appCode === "not_found" ? "This agent does not exist, or is not yours." : agent.error.message}</p>;
  if (!agent.data) return <p>Loading agent…</p>;

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
        <div className="stack workspace-side-col">
          <SessionList picker={sessions} />
          <FilesPanel scope={sessions.currentId ? { sessionId: sessions.currentId } : null} ensureScope={async () => ({ sessionId: await sessions.ensureSession() })} owner="chat" />
        </div>
        <SessionChat
          sessionId={sessions.currentId}
          ensureSession={sessions.ensureSession}
          mode="direct"
          roster={[]}
          title={sessions.title}
          empty={<p className="muted">{sessions.currentId ? `No messages yet. Say hello to ${agent.data.name}.` : `Send a message to start a chat with ${agent.data.name}.`}</p>}
          placeholder={`Message ${agent.data.name}…`}
          onFileStatus={refreshFiles}
        />
      </div>
    </div>
  );
}
