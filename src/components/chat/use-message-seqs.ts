"use client";

import { skipToken } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import { api } from "@/trpc/react.tsx";
import type { DisplayTurn } from "./live-turns.ts";

const SEQ_PAGE = 200;

/**
 * The `seq` of each message the timeline shows, for its `#m-<seq>` anchor (search results link
 * there): `sessions.messages` pages, newest first, read back as far as the oldest loaded turn.
 * Keys: `u:<turnId>` for the user's message, `s:<stepId>` for a step's answer.
 */
export function useMessageSeqs(sessionId: string | null, turns: readonly DisplayTurn[]) {
  const messages = api.sessions.messages.useInfiniteQuery(sessionId ? { sessionId, limit: SEQ_PAGE } : skipToken, {
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const items = useMemo(() => (messages.data?.pages ?? []).flatMap((p) => p.items), [messages.data]);
  const seqs = useMemo(() => {
    const map = new Map<string, string>();
    for (const m of items) {
      if (m.role === "user" && m.turnId) map.set(`u:${m.turnId}`, m.seq);
      else if (m.stepId) map.set(`s:${m.stepId}`, m.seq);
    }
    return map;
  }, [items]);

  const oldest = turns[0];
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = messages;
  useEffect(() => {
    if (!oldest || !hasNextPage || isFetchingNextPage || items.length === 0) return;
    // Pages go back in time and each is oldest first: the last page's first message is the oldest read.
    const earliest = messages.data?.pages.at(-1)?.items[0];
    const covered = items.some((m) => m.turnId === oldest.id) || (!!earliest && new Date(earliest.createdAt) < new Date(oldest.createdAt));
    if (!covered) void fetchNextPage();
  }, [oldest, hasNextPage, isFetchingNextPage, fetchNextPage, items, messages.data]);

  // A step's answer is written when it ends: read the pages again once the session is idle.
  const settled = turns.filter((t) => t.status !== "queued" && t.status !== "running").length;
  const utils = api.useUtils();
  const seen = useRef<{ sessionId: string | null; settled: number }>({ sessionId, settled });
  useEffect(() => {
    const before = seen.current;
    seen.current = { sessionId, settled };
    if (sessionId && before.sessionId === sessionId && settled > before.settled) void utils.sessions.messages.invalidate({ sessionId });
  }, [settled, sessionId, utils]);

  return seqs;
}

/** The message a `#m-<seq>` URL points at, if any. */
export function hashSeq(hash: string): string | null {
  return /^#m-(\d{1,18})$/.exec(hash)?.[1] ?? null;
}
