"use client";

import Link from "next/link";
import { SessionChat } from "@/components/chat/session-chat.tsx";
import { NewSessionButton, SessionActions, useSessionPicker } from "@/components/chat/session-list.tsx";
import { useRefreshFiles } from "@/components/files/files-api.ts";
import { FilesPanel } from "@/components/files/files-panel.tsx";
import { FilesDrawer } from "@/components/shell/files-drawer.tsx";
import { NotFoundView } from "@/components/shell/not-found-view.tsx";
import { useFocusComposerOnOpen } from "@/components/shell/use-focus-composer.ts";
import { api } from "@/trpc/react.tsx";

/** Direct chat with one agent: the same full-height conversation pane as a room (no mode, no tags); its chats are in the sidebar. */
export function DirectChat(props: { agentId: string }) {
  const utils = api.useUtils();
  const agent = api.agents.byId.useQuery({ id: props.agentId }, { retry: false });
  const sessions = useSessionPicker({ agentId: props.agentId }, { enabled: !!agent.data });
  const refreshFiles = useRefreshFiles();
  useFocusComposerOnOpen(!!agent.data && sessions.loaded, sessions.currentId);

  if (agent.error) {
    if (agent.error.data?.appCode === "not_found")
      return (
        <NotFoundView title="Agent not found" backHref="/agents" backLabel="Back to the agent library">
          This agent does not exist, or is not yours.
        </NotFoundView>
      );
    return (
      <p className="alert error" role="alert">
        Could not load the agent: {agent.error.message} <Link href="/agents">Back to the agent library</Link>
      </p>
    );
  }
  if (!agent.data) return <p className="muted">Loading agent…</p>;

  return (
    <div className="conversation">
      <header className="conv-header">
        <div className="conv-title-row">
          <div className="conv-title">
            <h1>Chat with {agent.data.name}</h1>
            <p className="conv-sub">
              @{agent.data.key} · {agent.data.modelAlias}
            </p>
          </div>
          <div className="conv-tools">
            <NewSessionButton picker={sessions} />
            <SessionActions picker={sessions} />
            <FilesDrawer title={`Files of this chat with ${agent.data.name}`}>
              <FilesPanel scope={sessions.currentId ? { sessionId: sessions.currentId } : null} ensureScope={async () => ({ sessionId: await sessions.ensureSession() })} owner="chat" />
            </FilesDrawer>
            <Link className="icon-button" href="/agents" aria-label="Agent library" title="Edit agents in the library">
              <span aria-hidden="true">⚙</span>
            </Link>
          </div>
        </div>
      </header>
      <div className="conv-body">
        <SessionChat
          sessionId={sessions.currentId}
          ensureSession={sessions.ensureSession}
          mode="direct"
          roster={[]}
          title={sessions.title}
          empty={<p className="muted">{sessions.currentId ? `No messages yet. Say hello to ${agent.data.name}.` : `Send a message to start a chat with ${agent.data.name}.`}</p>}
          placeholder={`Message ${agent.data.name}…`}
          onFileStatus={refreshFiles}
          autoFocus
          onModeMaybeChanged={() => void utils.sessions.list.invalidate({ agentId: props.agentId })}
        />
      </div>
    </div>
  );
}
