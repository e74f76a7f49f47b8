"use client";

import { skipToken } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { TurnEvent, TurnEventType } from "@/server/realtime/turn-event-schema.ts";
import { api } from "@/trpc/react.tsx";
import { isTurnActive } from "@/server/domain/turns/turn-machine.ts";
import { applyEvent, emptyLive, isStepEnded, mergeTurns, type DisplayTurn, type LiveState } from "./live-turns.ts";

export const PAGE_SIZE = 20;
// Events that change what `turns.list` says: refetch it, at most this often during a burst.
const REFRESH_COALESCE_MS = 60;
const refreshingEvents = new Set<TurnEventType>(["turn_started", "step_started", "step_completed", "turn_completed", "turn_failed", "turn_cancelled", "mode_applied"]);

/**
 * A session's turns as the timeline shows them: `turns.list` pages, followed live through the
 * `turns.events` subscription from the first page's `streamFrom` (so a page opened mid-turn
 * replays the running turn from its start), with an announcement for screen readers each time a
 * message or a turn ends — never per token. Tool calls are folded in from `tool_started` and
 * `tool_completed`; `file_status` (a room's or session's file moved on) is passed to `onFileStatus`.
 */
export function useSessionTurns(sessionId: string | null, options: { onModeApplied?: () => void; onFileStatus?: () => void } = {}) {
  const utils = api.useUtils();
  const input = sessionId ? { sessionId, limit: PAGE_SIZE } : skipToken;
  const list = api.turns.list.useInfiniteQuery(input, { getNextPageParam: (page) => page.nextCursor ?? undefined, staleTime: 0 });

  // Subscribe from the first loaded page's position, and keep it: the link resends the last
  // event id on reconnect, and a changing input would restart the stream.
  const firstPage = list.data?.pages[0];
  const [pinned, setPinned] = useState<{ sessionId: string; from: string } | null>(null);
  if (sessionId && firstPage && pinned?.sessionId !== sessionId) setPinned({ sessionId, from: firstPage.streamFrom });
  const streamFrom = pinned?.sessionId === sessionId ? pinned.from : null;

  const [live, setLive] = useState<LiveState>(() => emptyLive(sessionId));
  // The state the event handler builds on (events may come faster than renders).
  const store = useRef<LiveState>(live);
  const [announcement, setAnnouncement] = useState("");
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );

  const scheduleRefresh = useCallback(
    (id: string) => {
      if (refreshTimer.current) return;
      refreshTimer.current = setTimeout(() => {
        refreshTimer.current = null;
        void utils.turns.list.invalidate({ sessionId: id });
      }, REFRESH_COALESCE_MS);
    },
    [utils],
  );

  const onEvent = (tracked: { id: string; data: TurnEvent }) => {
    const event = tracked.data;
    if (!sessionId || event.sessionId !== sessionId) return;
    // An automatic title (or a rename in another tab): the sidebar and the header read it from
    // sessions.list; the title call was also billed.
    if (event.event.type === "session_title") {
      void utils.sessions.list.invalidate();
      void utils.usage.invalidate();
      return;
    }
    const before = store.current.sessionId === sessionId ? store.current : emptyLive(sessionId);
    const after = applyEvent(before, event);
    if (after === before) return;
    store.current = after;
    setLive(after);
    if (refreshingEvents.has(event.event.type)) scheduleRefresh(sessionId);
    if (event.event.type === "mode_applied") options.onModeApplied?.();
    if (event.event.type === "file_status") options.onFileStatus?.();
    // The turn's calls are settled: the balance (and the low-balance banner) changed.
    if (event.event.type === "turn_completed" || event.event.type === "turn_failed" || event.event.type === "turn_cancelled") void utils.usage.invalidate();
    const said = announce(event, after, utils.turns.list.getInfiniteData({ sessionId, limit: PAGE_SIZE })?.pages.flatMap((p) => p.items) ?? []);
    if (said) setAnnouncement(said);
  };

  const subscription = api.turns.events.useSubscription(sessionId && streamFrom !== null ? { sessionId, lastEventId: streamFrom } : skipToken, { onData: onEvent });

  const current = live.sessionId === sessionId ? live : null;
  const items = useMemo(() => {
    const seen = new Set<string>();
    return (list.data?.pages ?? []).flatMap((p) => p.items).filter((t) => !seen.has(t.id) && !!seen.add(t.id));
  }, [list.data]);
  const turns: DisplayTurn[] = useMemo(() => mergeTurns(items, current ?? emptyLive(sessionId)), [items, current, sessionId]);
  const { fetchNextPage } = list;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  const activeTurn = turns.findLast((t) => isTurnActive(t.status)) ?? null;

  return {
    turns,
    activeTurn,
    loading: list.isLoading,
    error: list.error,
    hasMore: !!list.hasNextPage,
    loadingMore: list.isFetchingNextPage,
    loadMore,
    announcement: current ? announcement : "",
    /** The stream is down (it reconnects by itself unless `status` is "error"). */
    streamProblem: subscription.status === "error" ? "error" : subscription.status === "connecting" && subscription.error ? "reconnecting" : null,
    reconnect: subscription.reset,
  } as const;
}

/** What a screen reader hears when a message or a turn ends; nothing for what the page already showed as ended. */
function announce(tracked: TurnEvent, state: LiveState, loaded: { id: string; status: string; steps: { id: string; status: string }[] }[]): string | null {
  const event = tracked.event;
  if (event.type === "step_completed") {
    if (loaded.some((t) => t.steps.some((s) => s.id === event.stepId && isStepEnded(s.status)))) return null;
    const step = state.steps.get(event.stepId);
    if (!step?.agent || (step.kind !== "agent" && step.kind !== "synthesis")) return null;
    const who = step.kind === "synthesis" ? "Synthesis" : step.agent.name;
    if (event.status === "succeeded") return `${who} replied: ${step.text}`;
    if (event.status === "failed") return `${who} failed: ${event.error?.message ?? "error"}`;
    return null;
  }
  if (event.type === "turn_completed" || event.type === "turn_failed" || event.type === "turn_cancelled") {
    if (loaded.some((t) => t.id === event.turnId && !isTurnActive(t.status))) return null;
    if (event.type === "turn_failed") return `The turn failed: ${event.message}`;
    if (event.type === "turn_cancelled") return "The turn was cancelled.";
    return event.status === "partial" ? "The turn ended; some steps failed." : "The turn is complete.";
  }
  return null;
}
