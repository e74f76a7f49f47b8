"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { api } from "@/trpc/react.tsx";
import { Composer, type ComposerAgent } from "./composer.tsx";
import { newRequestId } from "./labels.ts";
import { describeSendError, sendBlockReason, type ChatMode } from "./send-rules.ts";
import { Timeline } from "./timeline.tsx";
import { TurnDetails } from "./turn-details.tsx";
import { PAGE_SIZE, useSessionTurns } from "./use-session-turns.ts";

/**
 * One conversation: the timeline of a session, followed live, with the composer, the Cancel
 * button and the turn-details drawer. Used by the room workspace and by direct chat. With no
 * session yet, the first send creates one (`ensureSession`).
 */
export function SessionChat(props: {
  sessionId: string | null;
  ensureSession: () => Promise<string>;
  /** The mode the next send runs in (the pending mode if one is set), or null while loading. */
  mode: ChatMode | null;
  roster: readonly ComposerAgent[];
  title: string;
  empty: ReactNode;
  placeholder: string;
  /** After a send is accepted, and when a pending mode is applied. */
  onModeMaybeChanged?: () => void;
  /** A file of the room (or of this session) changed status, heard on the session's stream. */
  onFileStatus?: () => void;
}) {
  const utils = api.useUtils();
  const session = useSessionTurns(props.sessionId, { onModeApplied: props.onModeMaybeChanged, onFileStatus: props.onFileStatus });
  const [draft, setDraft] = useState("");
  // One request id per message; a retry of the same message in the same session reuses it, so a
  // send whose answer was lost is not run twice.
  const request = useRef<{ key: string; id: string } | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [sessionError, setSessionError] = useState<string | null>(null);
  const [details, setDetails] = useState<string | null>(null);
  const opener = useRef<HTMLElement | null>(null);

  const send = api.turns.send.useMutation({
    onSuccess: async (turn) => {
      request.current = null;
      setDraft("");
      setRetryAt(null);
      // Show the new turn at once; the refetch brings its steps.
      utils.turns.list.setInfiniteData({ sessionId: turn.sessionId, limit: PAGE_SIZE }, (data) =>
        data && !data.pages.some((p) => p.items.some((t) => t.id === turn.id))
          ? { ...data, pages: data.pages.map((p, i) => (i === 0 ? { ...p, items: [turn, ...p.items] } : p)) }
          : data,
      );
      props.onModeMaybeChanged?.();
      await utils.turns.list.invalidate({ sessionId: turn.sessionId });
    },
    onError: (error) => {
      const view = describeSendError(error);
      setRetryAt(view.retryAfterSeconds ? Date.now() + view.retryAfterSeconds * 1000 : null);
    },
  });
  const cancel = api.turns.cancel.useMutation({
    onSettled: (turn) => {
      if (turn) void utils.turns.list.invalidate({ sessionId: turn.sessionId });
    },
  });

  const activeTurn = session.activeTurn;
  const blockReason = sendBlockReason({ mode: props.mode, roster: props.roster, message: draft, turnActive: !!activeTurn });
  const cancelling = cancel.isPending || (!!activeTurn && cancel.isSuccess && cancel.variables?.turnId === activeTurn.id);

  const onSend = async () => {
    const message = draft.trim();
    if (!message) return;
    setSessionError(null);
    let sessionId = props.sessionId;
    if (!sessionId) {
      try {
        sessionId = await props.ensureSession();
      } catch (error) {
        setSessionError(`Could not start a session: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
    const key = `${sessionId}\n${message}`;
    if (request.current?.key !== key) request.current = { key, id: newRequestId() };
    send.mutate({ sessionId, message, clientRequestId: request.current.id });
  };

  const sendError = send.error ? describeSendError(send.error) : null;
  const errorNode = sessionError ? (
    <p className="alert error" role="alert">
      {sessionError}
    </p>
  ) : sendError ? (
    <p className="alert error" role="alert" data-testid="send-error">
      {sendError.retryAfterSeconds && retryAt ? (
        <>
          Too many messages for now. <Countdown until={retryAt} />
        </>
      ) : (
        sendError.text
      )}
    </p>
  ) : cancel.error ? (
    <p className="alert error" role="alert">
      Could not cancel: {cancel.error.message}
    </p>
  ) : null;

  const detailsTurn = details ? (session.turns.find((t) => t.id === details) ?? null) : null;

  return (
    <section className="card chat" aria-labelledby="chat-title">
      <div className="chat-head">
        <h2 id="chat-title">{props.title}</h2>
        {session.streamProblem && (
          <p className="field-hint" role="status">
            {session.streamProblem === "reconnecting" ? (
              "Live updates lost; reconnecting…"
            ) : (
              <>
                Live updates stopped.{" "}
                <button type="button" className="button secondary small" onClick={session.reconnect}>
                  Reconnect
                </button>
              </>
            )}
          </p>
        )}
      </div>
      {session.error ? (
        <p className="field-error" role="alert">
          Could not load the messages: {session.error.message}
        </p>
      ) : session.loading ? (
        <p className="muted">Loading messages…</p>
      ) : (
        <Timeline
          key={props.sessionId ?? "none"}
          turns={session.turns}
          empty={props.empty}
          hasMore={session.hasMore}
          loadingMore={session.loadingMore}
          onLoadMore={session.loadMore}
          onOpenDetails={(turnId, el) => {
            opener.current = el;
            setDetails(turnId);
          }}
        />
      )}
      <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {session.announcement}
      </div>
      <Composer
        value={draft}
        onChange={setDraft}
        roster={props.roster}
        blockReason={blockReason}
        sending={send.isPending}
        onSend={() => void onSend()}
        error={errorNode}
        activeTurn={activeTurn}
        cancelling={cancelling}
        onCancel={() => activeTurn && cancel.mutate({ turnId: activeTurn.id })}
        placeholder={props.placeholder}
      />
      <TurnDetails
        turn={detailsTurn}
        onClose={() => {
          setDetails(null);
          opener.current?.focus();
        }}
      />
    </section>
  );
}

function Countdown(props: { until: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [props.until]);
  const left = Math.max(0, Math.ceil((props.until - now) / 1000));
  return <span>{left > 0 ? `Try again in ${left} s.` : "You can send again now."}</span>;
}
