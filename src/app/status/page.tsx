import type { Metadata } from "next";
import { getCurrentUser } from "@/server/auth/current-user.ts";
import { StatusView } from "./status-view.tsx";

export const metadata: Metadata = { title: "Status" };

export default async function StatusPage() {
  const signedIn = !!(await getCurrentUser());
  return (
    <>
      <h1>Status</h1>
      <p className="lede">Live health of each part of Pantheon. Refreshes every few seconds.</p>
      <StatusView canPing={signedIn} />
    </>
  );
}
