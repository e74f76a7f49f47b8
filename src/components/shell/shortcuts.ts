/**
 * The app's keyboard shortcuts: one list, read by the key handler and by the help dialog on `?`,
 * so the dialog cannot advertise a shortcut that does nothing.
 */

/** Asked of the conversation page on screen (room or direct chat) by the shell's shortcut. */
export const NEW_SESSION_EVENT = "pantheon:new-session";

export type ShortcutId = "search" | "newSession" | "focusComposer" | "help" | "toggleSidebar";

export const shortcuts: { id: ShortcutId; keys: string[][]; what: string }[] = [
  { id: "search", keys: [["Ctrl", "K"], ["⌘", "K"]], what: "Search all sessions" },
  { id: "newSession", keys: [["Ctrl", "Shift", "O"], ["Alt", "N"]], what: "New session in this room or chat" },
  { id: "focusComposer", keys: [["/"]], what: "Focus the message box" },
  { id: "toggleSidebar", keys: [["Ctrl", "Shift", "S"]], what: "Show or hide the sidebar" },
  { id: "help", keys: [["?"]], what: "Show these shortcuts" },
];

/** True while the person types in a field: single-key shortcuts (`/`, `?`) must not steal the key. */
export function isTyping(target: EventTarget | null): boolean {
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(target.type);
  return false;
}

type KeyLike = Pick<KeyboardEvent, "key" | "code" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey" | "target">;

/** Which shortcut a key press is, if any. */
export function shortcutFor(event: KeyLike): ShortcutId | null {
  const mod = event.ctrlKey || event.metaKey;
  if (mod && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k") return "search";
  if (mod && event.shiftKey && !event.altKey && event.code === "KeyO") return "newSession";
  // By code: Alt+N types "˜" on a Mac keyboard, so its key is not "n".
  if (event.altKey && !mod && !event.shiftKey && event.code === "KeyN") return "newSession";
  if (mod && event.shiftKey && !event.altKey && event.code === "KeyS") return "toggleSidebar";
  if (mod || event.altKey || isTyping(event.target)) return null;
  if (event.key === "/") return "focusComposer";
  if (event.key === "?") return "help";
  return null;
}

/** The composer of the conversation on screen (the message-UI's textarea), if there is one. */
export function composerInput(): HTMLTextAreaElement | null {
  return document.querySelector<HTMLTextAreaElement>("[data-composer-input], .composer textarea");
}
