"use client";

import { useEffect, useRef, useState } from "react";

/**
 * A Copy button with "Copied" feedback, announced politely (the label changes in a live region).
 * The text is read when clicked, so a streaming answer copies what is there at that moment.
 */
export function CopyButton(props: { text: () => string; label: string; className?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text());
      setState("copied");
    } catch {
      // Clipboard denied (an insecure origin, a permission): say so rather than pretend.
      setState("failed");
    }
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setState("idle"), 2000);
  };

  return (
    <button type="button" className={props.className ?? "button secondary small copy-button"} onClick={() => void copy()} aria-label={state === "idle" ? props.label : undefined} data-state={state}>
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : "Copy"}</span>
    </button>
  );
}
