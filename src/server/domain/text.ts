import { z } from "zod";

/** User text as PostgreSQL can store it: NUL characters are refused (they would be a 500). */
export function text() {
  return z.string().refine((s) => !s.includes("\u0000"), "Contains a character that cannot be stored");
}
