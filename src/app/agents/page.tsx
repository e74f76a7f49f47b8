import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { AgentLibrary } from "./agent-library.tsx";

export const metadata: Metadata = { title: "Agent library" };

export default async function AgentsPage() {
  await requireUser("/agents");
  return <AgentLibrary />;
}
