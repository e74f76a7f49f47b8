import { setTimeout as sleep } from "node:timers/promises";

type Probe<T> = () => Promise<T | null | undefined | false> | T | null | undefined | false;

/**
 * Polls `probe` until it returns something truthy; fails with `what` after `timeoutMs`. A probe that
 * throws is retried (the thing may not be up yet). `giveUp` resolving to an Error fails at once, e.g.
 * when the process being waited on has exited.
 */
export async function waitFor<T>(what: string, probe: Probe<T>, timeoutMs = 20_000, intervalMs = 100, giveUp?: Promise<Error>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let fatal: Error | undefined;
  void giveUp?.then((error) => (fatal = error));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (fatal) throw fatal;
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}
