/**
 * Determinism for the offline model: every choice it makes is a pick from a bank by a hash of what
 * it was given, so the same role, question and conversation always give the same answer.
 */
export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** One item of `bank`, chosen by `seed` and a per-slot `salt` so the slots of one answer vary independently. */
export function pick<T>(bank: readonly T[], seed: number, salt: string): T {
  return bank[hash(`${seed}:${salt}`) % bank.length]!;
}

export function excerpt(text: string, words = 18): string {
  const parts = text.replace(/\s+/g, " ").trim().split(" ");
  return parts.slice(0, words).join(" ") + (parts.length > words ? " …" : "");
}
