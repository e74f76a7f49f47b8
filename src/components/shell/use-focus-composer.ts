"use client";

import { useEffect } from "react";
import { composerInput } from "./shortcuts.ts";

/**
 * Puts the cursor in the message box when a conversation opens (and when another session is
 * picked), as chat apps do, unless the person already moved focus somewhere on purpose or the
 * URL points at a message (`#m-<seq>`, a search result) that should keep the view. On a touch
 * screen focusing would pop up the keyboard over the conversation: not there.
 */
export function useFocusComposerOnOpen(ready: boolean, sessionId: string | null) {
  useEffect(() => {
    if (!ready) return;
    if (window.matchMedia("(pointer: coarse)").matches) return;
    if (window.location.hash.startsWith("#m-")) return;
    let tries = 0;
    // The composer renders after the session's turns load: wait for it a little.
    const timer = setInterval(() => {
      const input = composerInput();
      const active = document.activeElement;
      const idle = !active || active === document.body || active.id === "main";
      if (input && idle && !input.disabled) input.focus();
      if (input || ++tries > 40) clearInterval(timer);
    }, 50);
    return () => clearInterval(timer);
  }, [ready, sessionId]);
}
