"use client";

import { useId, useRef, useState, type ReactNode } from "react";

/**
 * The conversation header's Files button and the drawer it opens (a native modal dialog: focus
 * stays inside, Escape closes, focus returns to the button). The panel stays mounted while the
 * drawer is closed, so uploads go on and their progress is still there when it is opened again.
 */
export function FilesDrawer(props: { title: string; children: ReactNode }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <>
      <button
        ref={opener}
        type="button"
        className="button secondary small"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => {
          dialog.current?.showModal();
          setOpen(true);
        }}
      >
        Files
      </button>
      <dialog
        ref={dialog}
        id={id}
        className="drawer files-drawer"
        aria-label={props.title}
        onClose={() => {
          setOpen(false);
          opener.current?.focus();
        }}
        onClick={(e) => {
          // The backdrop is the dialog box itself, outside its content.
          if (e.target === e.currentTarget) dialog.current?.close();
        }}
      >
        <div className="drawer-body">
          <div className="drawer-head">
            <p className="drawer-title">{props.title}</p>
            <button type="button" className="button secondary small" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </div>
          {props.children}
        </div>
      </dialog>
    </>
  );
}
