"use client";

/**
 * The files panel's data: `files.list` (polled while a file is being read), `files.delete`, and
 * `tools.available`. The one place the panel and the agent editor touch those procedures.
 */
import { skipToken } from "@tanstack/react-query";
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { isFileBusy } from "./files-format.ts";

export type FileScope = { roomId: string } | { sessionId: string };
export type FilesList = RouterOutputs["files"]["list"];
export type FileItem = FilesList["items"][number];
export type ToolAvailability = RouterOutputs["tools"]["available"]["tools"][number];

/** How often the list is asked again while a file is uploaded or parsing. */
export const FILES_POLL_MS = 1500;

export function useFiles(scope: FileScope | null) {
  const utils = api.useUtils();
  const list = api.files.list.useQuery(scope ?? skipToken, {
    refetchInterval: (query) => (query.state.data?.items.some((f) => isFileBusy(f.status)) ? FILES_POLL_MS : false),
  });
  const refresh = () => utils.files.list.invalidate(scope ?? undefined);
  const remove = api.files.delete.useMutation({ onSettled: refresh });
  return { list, remove, refresh };
}

/** Invalidates every files list (for a `file_status` event heard on a session's stream). */
export function useRefreshFiles() {
  const utils = api.useUtils();
  return () => void utils.files.list.invalidate();
}

/** Which tools this server can run, and why not (for the agent editor). */
export function useToolAvailability() {
  return api.tools.available.useQuery(undefined, { staleTime: 60_000 });
}
