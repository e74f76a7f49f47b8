"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { fieldErrorsOf } from "@/components/field-errors.ts";
import { NEW_SESSION_EVENT } from "@/components/shell/shortcuts.ts";
import { api } from "@/trpc/react.tsx";

/** Whose sessions: a room's, or one agent's direct chats. */
export type SessionOwner = { roomId: string } | { agentId: string };

/** What an untitled session is called until its automatic title arrives. */
export const UNTITLED = "New chat";

/**
 * A room's or an agent's sessions and the one on screen: the one in the URL (`?s=`, so the
 * sidebar, search results and the back button can point at a session), else the newest. A new
 * session is put in the URL once created. The shell's "new session" shortcut starts one here.
 */
export function useSessionPicker(owner: SessionOwner, options: { enabled: boolean }) {
  const utils = api.useUtils();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  // Same input as the sidebar's list: one cache for both.
  const sessions = api.sessions.list.useQuery({ ...owner, limit: 50 }, { enabled: options.enabled });
  const selected = params.get("s");
  const ownerKey = "roomId" in owner ? owner.roomId : owner.agentId;
  const select = (id: string | null) => router.push(id ? `${pathname}?s=${id}` : pathname);
  const create = api.sessions.create.useMutation({
    onSuccess: async (session) => {
      select(session.id);
      await utils.sessions.list.invalidate(owner);
    },
  });

  const start = () => {
    if (!create.isPending) create.mutate(owner);
  };
  const startRef = useRef(start);
  useEffect(() => {
    startRef.current = start;
  });
  useEffect(() => {
    const onNew = () => startRef.current();
    window.addEventListener(NEW_SESSION_EVENT, onNew);
    return () => window.removeEventListener(NEW_SESSION_EVENT, onNew);
  }, [ownerKey]);

  const items = sessions.data?.items ?? [];
  const currentId = selected ?? items[0]?.id ?? null;
  const current = items.find((s) => s.id === currentId) ?? null;
  return {
    owner,
    loaded: !!sessions.data,
    items,
    currentId,
    current,
    select,
    create,
    start,
    /** For `SessionChat`: starts a session for a first message sent with none selected. */
    ensureSession: async () => (await create.mutateAsync(owner)).id,
    /** For `SessionChat`: the shown session's name. */
    title: current?.title || (currentId ? UNTITLED : "New chat"),
  };
}

export type SessionPicker = ReturnType<typeof useSessionPicker>;

/** Saves a text as a file the browser downloads. */
function download(file: { filename: string; mimeType: string; content: string }) {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mimeType }));
  const a = document.createElement("a");
  a.href = url;
  a.download = file.filename;
  document.body.append(a);
  a.click();
  a.remove();
  // After the click has handed the blob to the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The header's "New session" button; the same action as the shortcut (Ctrl+Shift+O or Alt+N). */
export function NewSessionButton(props: { picker: SessionPicker }) {
  return (
    <button
      type="button"
      className="icon-button"
      aria-label="New session"
      title="New session (Ctrl+Shift+O)"
      aria-keyshortcuts="Control+Shift+O Alt+N"
      disabled={props.picker.create.isPending}
      onClick={props.picker.start}
    >
      <span aria-hidden="true">✎</span>
    </button>
  );
}

/**
 * The shown session's actions, behind one button in the conversation header: rename, export as
 * Markdown or JSON, delete (with Undo in a toast for a few seconds).
 */
export function SessionActions(props: { picker: SessionPicker }) {
  const { picker } = props;
  const utils = api.useUtils();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState("");
  const [toast, setToast] = useState<{ id: string; title: string } | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const session = picker.current;

  const rename = api.sessions.rename.useMutation({
    onSuccess: async () => {
      setRenaming(false);
      setOpen(false);
      button.current?.focus();
      await utils.sessions.list.invalidate(picker.owner);
    },
  });
  const remove = api.sessions.delete.useMutation({
    onSuccess: async (_result, input) => {
      setToast({ id: input.id, title: session?.title || UNTITLED });
      setOpen(false);
      picker.select(null);
      await utils.sessions.list.invalidate(picker.owner);
    },
  });
  const restore = api.sessions.restore.useMutation({
    onSuccess: async (restored) => {
      setToast(null);
      picker.select(restored.id);
      await utils.sessions.list.invalidate(picker.owner);
    },
  });

  // The toast stays long enough to read and reach with the keyboard, then goes.
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(null), 12_000);
    return () => clearTimeout(timer);
  }, [toast]);

  // Escape or a click elsewhere closes the menu; focus goes back to its button after Escape.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      setRenaming(false);
      button.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) {
        setOpen(false);
        setRenaming(false);
      }
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  async function exportAs(format: "markdown" | "json") {
    if (!session) return;
    setExportError(null);
    try {
      download(await utils.client.sessions.export.query({ id: session.id, format }));
      setOpen(false);
      button.current?.focus();
    } catch (error) {
      setExportError(`Could not export: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const renameError = fieldErrorsOf(rename.error).title ?? rename.error?.message;

  return (
    <div className="session-actions">
      <button
        ref={button}
        type="button"
        className="icon-button"
        aria-label="Session actions"
        aria-expanded={open}
        aria-controls={`${id}-panel`}
        disabled={!session}
        title={session ? "Rename, export or delete this session" : "No session yet"}
        onClick={() => {
          setOpen(!open);
          setRenaming(false);
        }}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      <div ref={panel} id={`${id}-panel`} className="popover" hidden={!open}>
        {open && session && !renaming && (
          <ul className="popover-list">
            <li>
              <button
                type="button"
                autoFocus
                onClick={() => {
                  setTitle(session.title);
                  rename.reset();
                  setRenaming(true);
                }}
              >
                Rename
              </button>
            </li>
            <li>
              <button type="button" onClick={() => void exportAs("markdown")}>
                Export as Markdown
              </button>
            </li>
            <li>
              <button type="button" onClick={() => void exportAs("json")}>
                Export as JSON
              </button>
            </li>
            <li>
              <button type="button" className="danger-text" disabled={remove.isPending} onClick={() => remove.mutate({ id: session.id })}>
                Delete session
              </button>
            </li>
          </ul>
        )}
        {open && session && renaming && (
          <form
            className="rename-form"
            onSubmit={(e) => {
              e.preventDefault();
              rename.mutate({ id: session.id, title });
            }}
          >
            <label htmlFor={`${id}-title`}>Session title</label>
            <input
              id={`${id}-title`}
              value={title}
              autoFocus
              maxLength={120}
              onChange={(e) => setTitle(e.target.value)}
              aria-invalid={rename.error ? true : undefined}
              aria-describedby={rename.error ? `${id}-title-error` : undefined}
            />
            {rename.error && (
              <p id={`${id}-title-error`} className="field-error">
                {renameError}
              </p>
            )}
            <div className="row">
              <button type="submit" className="button small" disabled={rename.isPending}>
                {rename.isPending ? "Saving…" : "Save"}
              </button>
              <button type="button" className="button secondary small" onClick={() => setRenaming(false)}>
                Cancel
              </button>
            </div>
          </form>
        )}
        {exportError && (
          <p className="field-error" role="alert">
            {exportError}
          </p>
        )}
        {remove.error && (
          <p className="field-error" role="alert">
            Could not delete: {remove.error.message}
          </p>
        )}
      </div>
      <div className="toast-region" role="status" aria-live="polite">
        {toast && (
          <div className="toast">
            <span>Deleted “{toast.title}”.</span>
            <button type="button" className="button secondary small" disabled={restore.isPending} onClick={() => restore.mutate({ id: toast.id })}>
              Undo
            </button>
            <button type="button" className="icon-button ghost" aria-label="Dismiss" onClick={() => setToast(null)}>
              <span aria-hidden="true">✕</span>
            </button>
          </div>
        )}
        {restore.error && <p className="field-error">Could not restore: {restore.error.message}</p>}
        {picker.create.error && <p className="field-error">Could not start a session: {picker.create.error.message}</p>}
      </div>
    </div>
  );
}
