import "server-only";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "../db.ts";
import { resolveActor } from "../domain/auth/resolve-actor.ts";

/** The signed-in, active user of this page request, or null (also when the database is down). */
export async function getCurrentUser() {
  try {
    const actor = await resolveActor(getDb(), await headers());
    return actor && actor.user.status === "active" ? actor.user : null;
  } catch {
    return null;
  }
}

/** For pages that need an account: sends the visitor to sign in, and back here afterwards. */
export async function requireUser(returnTo: string) {
  const user = await getCurrentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}
