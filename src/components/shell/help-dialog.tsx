"use client";

import { forwardRef } from "react";
import { shortcuts } from "./shortcuts.ts";

/** The keyboard shortcuts, on `?`: a native modal dialog (focus kept inside, Escape closes). */
export const HelpDialog = forwardRef<HTMLDialogElement>(function HelpDialog(_props, ref) {
  return (
    <dialog ref={ref} className="help-dialog" aria-labelledby="help-title">
      <div className="help-head">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <form method="dialog">
          <button type="submit" className="button secondary small" autoFocus>
            Close
          </button>
        </form>
      </div>
      <dl className="shortcut-list">
        {shortcuts.map((s) => (
          <div key={s.id}>
            <dt>
              {s.keys.map((combo, i) => (
                <span key={combo.join("+")}>
                  {i > 0 && <span className="muted"> or </span>}
                  {combo.map((k, j) => (
                    <span key={k}>
                      {j > 0 && "+"}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </span>
              ))}
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
      <p className="field-hint">Single keys work when you are not typing in a field. Escape closes dialogs and the menu.</p>
    </dialog>
  );
});
