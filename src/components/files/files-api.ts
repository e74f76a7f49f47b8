"use client";

/**
 * The files panel's data: `files.list` (polled while a file is being read), `files.delete`, and
 * `tools.available`. The one place the panel and the agent editor touch those procedures.
 */
import { api, type RouterOutputs } from "@/trpc/react.tsx";
import { isFileBusy, type FileStatus } from "./files-format.ts";

export type FileScope = { roomId: string } | { sessionId: string };

export interface FileItem {
  id: string;
  name: string;
  kind: string;
  mimeType: string;
  sizeBytes: number;
  status: FileStatus;
  error: string | null;
  pages: number | null;
  chunkCount: number | null;
  createdAt: Date;
}

export interface FilesList {
  items: FileItem[];
  usedBytes: number;
  maxBytes: number;
  roomMaxBytes: number;
}

export type ToolAvailability = RouterOutputs["tools"]["available"]["tools"][number];

interface QueryResult<T> {
  data: T | undefined;
  error: { message: string } | null;
  isLoading: boolean;
}

// The files router is being added to the API; until `AppRouter` has them, their
// procedures are reached through this contract (PRODUCT.md 8 and 10). Replaced by the inferred
// types once they land.
interface FilesContract {
  files: {
    list: { useQuery: (input: FileScope, options: { enabled: boolean; refetchInterval: (query: { state: { data: FilesList | undefined } }) => number | false }) => QueryResult<FilesList> };
    delete: {
      useMutation: (options: { onSettled: () => Promise<void> }) => { mutate: (input: { id: string }) => void; isPending: boolean; variables: { id: string } | undefined; error: { message: string } | null };
    };
  };
}
interface FilesUtilsContract {
  files: { list: { invalidate: (input?: FileScope) => Promise<void> } };
}
const contract = api as unknown as FilesContract;

/** How often the list is asked again while a file is uploaded or parsing. */
export const FILES_POLL_MS = 1500;

export function useFiles(scope: FileScope | null) {
  const utils = api.useUtils() as unknown as FilesUtilsContract;
  const list = contract.files.list.useQuery(scope ?? { roomId: "" }, {
    enabled: scope !== null,
    refetchInterval: (query) => (query.state.data?.items.some((f) => isFileBusy(f.status)) ? FILES_POLL_MS : false),
  });
  const refresh = () => utils.files.list.invalidate(scope ?? undefined);
  const remove = contract.files.delete.useMutation({ onSettled: refresh });
  return { list, remove, refresh };
}

/** Invalidates every files list (for a `file_status` event heard on a session's stream). */
export function useRefreshFiles() {
  const utils = api.useUtils() as unknown as FilesUtilsContract;
  return () => void utils.files.list.invalidate();
}

/** Which tools this server can run, and why not (for the agent editor). */
export function useToolAvailability() {
  return api.tools.available.useQuery(undefined, { staleTime: 60_000 });
}
