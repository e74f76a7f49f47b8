import { useSyncExternalStore } from "react";

const subscribe = () => () => undefined;

/**
 * False while the server-rendered page is not yet interactive. Submit buttons stay disabled until
 * then, so an early click is not lost to a native form submission that skips our handlers.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
