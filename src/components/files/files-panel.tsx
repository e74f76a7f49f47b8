"use client";

import { useEffect, useId, useRef, useState, type DragEvent } from "react";
import { useHydrated } from "@/components/use-hydrated.ts";
import { useFiles, type FileItem, type FileScope } from "./files-api.ts";
import { acceptedTypes, acceptedTypesText, describeUploadRefusal, fileStatusNames, formatBytes, isFileBusy } from "./files-format.ts";
import { uploadFile, uploadUrl } from "./upload.ts";

interface Upload {
  key: string;
  name: string;
  loaded: number;
  total: number;
  controller: AbortController;
}

let uploadCounter = 0;

/**
 * A room's (or a direct-chat session's) files: upload with a button or by dropping files on the
 * panel, each upload with a progress bar; every file with its status (waiting, reading, ready, or
 * failed with the reason), size and pages, and Delete; the storage used of the limit. Refused
 * uploads say why. The list is asked again every 1.5 s while a file is being read, and when the
 * page hears a `file_status` event (the parent invalidates `files.list`). Status changes and
 * refusals are announced to screen readers.
 */
export function FilesPanel(props: {
  /** Whose files; null in a direct chat with no session yet. */
  scope: FileScope | null;
  /** Starts a session for an upload made with none (direct chat). */
  ensureScope?: () => Promise<FileScope>;
  /** "room" or "chat": what the files belong to, in the panel's sentences. */
  owner: "room" | "chat";
}) {
  const hydrated = useHydrated();
  const id = useId();
  const titleId = `${id}-title`;
  const input = useRef<HTMLInputElement>(null);
  const { list, remove, refresh } = useFiles(props.scope);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [refusals, setRefusals] = useState<{ key: string; text: string }[]>([]);
  const [dragging, setDragging] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const dragDepth = useRef(0);

  const data = list.data;
  useStatusAnnouncements(props.scope ? JSON.stringify(props.scope) : "", data?.items, setAnnouncement);

  const startUploads = async (files: File[]) => {
    if (files.length === 0) return;
    let scope = props.scope;
    if (!scope && props.ensureScope) {
      try {
        scope = await props.ensureScope();
      } catch (error) {
        setRefusals((r) => [...r, { key: `e${++uploadCounter}`, text: `Could not start a chat for the upload: ${error instanceof Error ? error.message : String(error)}` }]);
        return;
      }
    }
    if (!scope) return;
    const target = scope;
    await Promise.all(files.map((file) => uploadOne(target, file)));
  };

  const uploadOne = async (scope: FileScope, file: File) => {
    const key = `u${++uploadCounter}`;
    const refuse = (text: string) => {
      setRefusals((r) => [...r, { key, text }]);
      setAnnouncement(text);
    };
    // The server refuses it too; saying so here saves sending 10 MB for nothing.
    if (data && file.size > data.maxBytes) return refuse(describeUploadRefusal(file.name, { httpStatus: 413, appCode: "file_too_large", message: "", details: { maxBytes: data.maxBytes } }));
    const controller = new AbortController();
    setUploads((u) => [...u, { key, name: file.name, loaded: 0, total: file.size, controller }]);
    const outcome = await uploadFile({
      url: uploadUrl(scope, file.name),
      file,
      signal: controller.signal,
      onProgress: (loaded, total) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, loaded, total } : x))),
    });
    setUploads((u) => u.filter((x) => x.key !== key));
    if (outcome.ok) {
      setAnnouncement(`${file.name} uploaded; reading it.`);
      await refresh();
    } else if (outcome.cancelled) setAnnouncement(`Upload of ${file.name} cancelled.`);
    else refuse(describeUploadRefusal(file.name, outcome.refusal, { maxBytes: data?.maxBytes, roomMaxBytes: data?.roomMaxBytes, usedBytes: data?.usedBytes }));
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    void startUploads([...e.dataTransfer.files]);
  };
  const hasFiles = (e: DragEvent) => [...e.dataTransfer.types].includes("Files");

  const usedText = data ? `${formatBytes(data.usedBytes)} of ${formatBytes(data.roomMaxBytes)} used` : null;

  return (
    <section
      className="card files-panel"
      aria-labelledby={titleId}
      data-dragging={dragging}
      data-testid="files-panel"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        dragDepth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <div className="files-head">
        <h2 id={titleId}>Files</h2>
        <button type="button" className="button small" disabled={!hydrated || (!props.scope && !props.ensureScope)} onClick={() => input.current?.click()} aria-describedby={`${id}-hint`}>
          Upload files
        </button>
        <input
          ref={input}
          id={`${id}-input`}
          type="file"
          multiple
          accept={acceptedTypes}
          className="visually-hidden"
          tabIndex={-1}
          aria-label="Choose files to upload"
          data-testid="file-input"
          onChange={(e) => {
            const files = [...(e.currentTarget.files ?? [])];
            e.currentTarget.value = "";
            void startUploads(files);
          }}
        />
      </div>
      <p id={`${id}-hint`} className="field-hint">
        {acceptedTypesText}
        {data ? `, up to ${formatBytes(data.maxBytes)} each` : ""}. Drop files here, or use Upload. Agents allowed to read files can use them{props.owner === "room" ? " in this room" : " in this chat"}.
      </p>
      {data && (
        <div className="files-storage">
          <label htmlFor={`${id}-storage`} className="files-storage-label">
            Storage
          </label>
          <meter id={`${id}-storage`} min={0} max={data.roomMaxBytes} value={data.usedBytes} high={data.roomMaxBytes * 0.9} aria-describedby={`${id}-storage-text`} />
          <span id={`${id}-storage-text`} className="muted" data-testid="files-storage">
            {usedText}
          </span>
        </div>
      )}
      {dragging && (
        <p className="files-drop" aria-hidden="true">
          Drop to upload
        </p>
      )}

      {uploads.length > 0 && (
        <ul className="files-uploads" aria-label="Uploads in progress">
          {uploads.map((u) => {
            const percent = u.total > 0 ? Math.min(100, Math.round((u.loaded / u.total) * 100)) : 0;
            return (
              <li key={u.key} className="files-upload">
                <label htmlFor={`${id}-${u.key}`} className="files-name">
                  Uploading {u.name}
                </label>
                <div className="row files-progress-row">
                  <progress id={`${id}-${u.key}`} max={100} value={percent} aria-valuetext={`${percent} %`}>
                    {percent} %
                  </progress>
                  <span className="muted">{percent} %</span>
                  <button type="button" className="button secondary small" onClick={() => u.controller.abort()} aria-label={`Cancel upload of ${u.name}`}>
                    Cancel
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}

      {refusals.length > 0 && (
        <ul className="files-refusals" aria-label="Uploads refused">
          {refusals.map((r) => (
            <li key={r.key} className="alert error files-refusal" data-testid="upload-error">
              <span>{r.text}</span>
              <button type="button" className="button secondary small" onClick={() => setRefusals((all) => all.filter((x) => x.key !== r.key))} aria-label="Dismiss this message">
                Dismiss
              </button>
            </li>
          ))}
        </ul>
      )}

      {list.error ? (
        <p className="field-error" role="alert">
          Could not load the files: {list.error.message}
        </p>
      ) : !props.scope ? (
        <p className="muted">No files yet. Uploading one starts a new chat.</p>
      ) : list.isLoading ? (
        <p className="muted">Loading files…</p>
      ) : data && data.items.length === 0 && uploads.length === 0 ? (
        <p className="muted">No files yet.</p>
      ) : (
        <ul className="files-list" aria-label={`Files of this ${props.owner}`}>
          {data?.items.map((file) => (
            <FileRow
              key={file.id}
              file={file}
              deleting={remove.isPending && remove.variables?.id === file.id}
              onDelete={() => {
                if (window.confirm(`Delete ${file.name}? Agents can no longer read it; earlier answers that quoted it stay.`)) remove.mutate({ id: file.id });
              }}
            />
          ))}
        </ul>
      )}
      {remove.error && (
        <p className="field-error" role="alert">
          Could not delete: {remove.error.message}
        </p>
      )}
      <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="files-announcer">
        {announcement}
      </div>
    </section>
  );
}

function FileRow(props: { file: FileItem; deleting: boolean; onDelete: () => void }) {
  const { file } = props;
  const facts = [formatBytes(file.sizeBytes), file.pages ? `${file.pages} ${file.pages === 1 ? "page" : "pages"}` : null].filter(Boolean).join(" · ");
  return (
    <li className="files-item" data-status={file.status} data-testid="file-item">
      <div className="files-item-main">
        <span className="files-name">{file.name}</span>
        <span className="muted files-facts">{facts}</span>
        <span className="files-status" data-testid="file-status" data-status={file.status} aria-busy={isFileBusy(file.status)}>
          <span className="status-badge" data-status={file.status === "ready" ? "completed" : file.status === "failed" ? "failed" : "running"}>
            {fileStatusNames[file.status] ?? file.status}
          </span>
          {file.status === "failed" && file.error && <span className="files-error"> {file.error}</span>}
        </span>
      </div>
      <button type="button" className="button danger small" disabled={props.deleting} onClick={props.onDelete} aria-label={`Delete ${file.name}`}>
        {props.deleting ? "Deleting…" : "Delete"}
      </button>
    </li>
  );
}

/** Announces a file that became ready or failed since the last list (not the ones the page loaded with). */
function useStatusAnnouncements(scopeKey: string, items: FileItem[] | undefined, say: (text: string) => void) {
  const seen = useRef<{ scopeKey: string; statuses: Map<string, string> } | null>(null);
  useEffect(() => {
    if (!items) return;
    const before = seen.current?.scopeKey === scopeKey ? seen.current.statuses : null;
    seen.current = { scopeKey, statuses: new Map(items.map((f) => [f.id, f.status])) };
    if (!before) return;
    const changed = items.filter((f) => before.get(f.id) !== f.status && (f.status === "ready" || f.status === "failed"));
    if (changed.length) say(changed.map((f) => (f.status === "ready" ? `${f.name} is ready.` : `${f.name} could not be read${f.error ? `: ${f.error}` : "."}`)).join(" "));
  }, [scopeKey, items, say]);
}
