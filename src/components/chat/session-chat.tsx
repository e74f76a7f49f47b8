"use client";

import { skipToken } from "@tanstack/react-query";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import type { TurnView } from "@/server/domain/turns/turn-view.ts";
import { api } from "@/trpc/react.tsx";
import { Composer, type ComposerAgent } from "./composer.tsx";
import { newRequestId } from "./labels.ts";
import { messageActionKey, type MessageAction } from "./message-actions.ts";
import { describeSendError, rateLimitText, sendBlockReason, type ChatMode } from "./send-rules.ts";
import { Timeline, type TimelineActions } from "./timeline.tsx";
import { TurnDetails } from "./turn-details.tsx";
import { hashSeq, useMessageSeqs } from "./use-message-seqs.ts";
import { PAGE_SIZE, useSessionTurns } from "./use-session-turns.ts";
import "./chat.css";


/**
 * One conversation: the timeline of a session, followed live, with the composer, the Cancel
 * button, the message actions (retry, regenerate, edit and resend) and the turn-details drawer.
 * Used by the room workspace and by direct chat. With no session yet, the first send creates one
 * (`ensureSession`). It is a flex column that fills its parent: the timeline scrolls inside and the
 * composer stays at the bottom. A `#m-<seq>` in the URL (a search result) brings that message
 * into view, loading older pages until it is there.
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
  /** Focus the composer when the conversation opens. */
  autoFocus?: boolean;
}) {
  const utils = api.useUtils();
  const session = useSessionTurns(props.sessionId, { onModeApplied: props.onModeMaybeChanged, onFileStatus: props.onFileStatus });
  const seqs = useMessageSeqs(props.sessionId, session.turns);
  const [draft, setDraft] = useState("");
  // One request id per message; a retry of the same message in the same session reuses it, so a
  // send whose answer was lost is not run twice.
  const request = useRef<{ key: string; id: string } | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [sessionError, setSessionError] = useState<string | null>(null);
  const [details, setDetails] = useState<string | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const { onModeMaybeChanged } = props;

  /** Shows a turn the server just accepted at once; the refetch brings its steps. */
  const showNewTurn = useCallback(
    async (turn: TurnView) => {
      utils.turns.list.setInfiniteData({ sessionId: turn.sessionId, limit: PAGE_SIZE }, (data) =>
        data && !data.pages.some((p) => p.items.some((t) => t.id === turn.id))
          ? { ...data, pages: data.pages.map((p, i) => (i === 0 ? { ...p, items: [turn, ...p.items] } : p)) }
          : data,
      );
      onModeMaybeChanged?.();
      await utils.turns.list.invalidate({ sessionId: turn.sessionId });
    },
    [utils, onModeMaybeChanged],
  );

  const send = api.turns.send.useMutation({
    onSuccess: async (turn) => {
      request.current = null;
      setDraft("");
      setRetryAt(null);
      await showNewTurn(turn);
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

  // Message actions: a fresh request id per click; the buttons are disabled while one is in
  // flight (the ref also stops a second click that lands before the re-render), and the server
  // makes a second click on the same source return the first one's turn.
  const retry = api.turns.retry.useMutation();
  const regenerate = api.turns.regenerate.useMutation();
  const edit = api.turns.edit.useMutation();
  const actionInFlight = useRef<string | null>(null);
  const [actionPending, setActionPending] = useState<string | null>(null);
  const [actionError, setActionError] = useState<TimelineActions["error"]>(null);
  const { mutateAsync: retryAsync } = retry;
  const { mutateAsync: regenerateAsync } = regenerate;
  const { mutateAsync: editAsync } = edit;
  const runAction = useCallback(
    async (action: MessageAction): Promise<boolean> => {
      if (actionInFlight.current) return false;
      const key = messageActionKey(action);
      actionInFlight.current = key;
      setActionPending(key);
      setActionError(null);
      const clientRequestId = newRequestId();
      try {
        const turn =
          action.kind === "retry"
            ? await retryAsync({ stepId: action.stepId, clientRequestId })
            : action.kind === "regenerate"
              ? await regenerateAsync({ turnId: action.turnId, clientRequestId })
              : await editAsync({ turnId: action.turnId, message: action.message, clientRequestId });
        await showNewTurn(turn);
        return true;
      } catch (error) {
        const view = describeSendError(error as Parameters<typeof describeSendError>[0]);
        setActionError({ key, text: view.text });
        return false;
      } finally {
        actionInFlight.current = null;
        setActionPending(null);
      }
    },
    [retryAsync, regenerateAsync, editAsync, showNewTurn],
  );

  const activeTurn = session.activeTurn;
  const actions = useMemo<TimelineActions>(() => ({ run: runAction, pending: actionPending, blocked: !!activeTurn, error: actionError }), [runAction, actionPending, activeTurn, actionError]);
  const blockReason = sendBlockReason({ mode: props.mode, roster: props.roster, message: draft, turnActive: !!activeTurn });
  const cancelling = cancel.isPending || (!!activeTurn && cancel.isSuccess && cancel.variables?.turnId === activeTurn.id);

  // A search result's `#m-<seq>`: find its turn, and load older pages until the turn is shown.
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash, () => "");
  const [shownHash, setShownHash] = useState<string | null>(null);
  const wanted = hash !== shownHash ? hashSeq(hash) : null;
  const targetQuery = api.sessions.messages.useQuery(wanted && props.sessionId ? { sessionId: props.sessionId, cursor: (BigInt(wanted) + 1n).toString(), limit: 1 } : skipToken);
  const targetMessage = targetQuery.data?.items.find((m) => m.seq === wanted);
  // Not a message of this session (or not found): nothing to bring into view.
  const target = wanted && targetMessage?.turnId ? wanted : null;
  const { hasMore, loadingMore, loadMore, turns } = session;
  useEffect(() => {
    if (target && targetMessage?.turnId && !turns.some((t) => t.id === targetMessage.turnId) && hasMore && !loadingMore) loadMore();
  }, [target, targetMessage, turns, hasMore, loadingMore, loadMore]);
  const onTargetShown = useCallback(() => setShownHash(window.location.hash), []);

  const onOpenDetails = useCallback((turnId: string, el: HTMLElement) => {
    opener.current = el;
    setDetails(turnId);
  }, []);

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
      {sendError.retryAfterSeconds && retryAt ? <Countdown until={retryAt} /> : sendError.text}
      {sendError.fix && (
        <>
          {" "}
          <Link href={sendError.fix.href}>{sendError.fix.label}</Link>
        </>
      )}
    </p>
  ) : cancel.error ? (
    <p className="alert error" role="alert">
      Could not cancel: {cancel.error.message}
    </p>
  ) : null;

  const detailsTurn = details ? (session.turns.find((t) => t.id === details) ?? null) : null;

  return (
    <section className="card chat session-chat" aria-labelledby="chat-title">
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
        <p className="muted timeline-loading">Loading messages…</p>
      ) : (
        <Timeline
          key={props.sessionId ?? "none"}
          turns={session.turns}
          empty={props.empty}
          hasMore={session.hasMore}
          loadingMore={session.loadingMore}
          onLoadMore={session.loadMore}
          onOpenDetails={onOpenDetails}
          actions={actions}
          seqs={seqs}
          live={!!activeTurn}
          target={target}
          onTargetShown={onTargetShown}
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
        autoFocus={props.autoFocus}
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

/** The rate limit's wait, in words, counting down. */
function Countdown(props: { until: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [props.until]);
  return <span>{rateLimitText(Math.max(0, Math.ceil((props.until - now) / 1000)))}</span>;
}

function subscribeHash(onChange: () => void) {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}
