import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { DirectChat } from "./direct-chat.tsx";

export const metadata: Metadata = { title: "Direct chat" };

export default async function DirectChatPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  await requireUser(`/agents/${id}/chat`);
  return <DirectChat key={id} agentId={id} />;
}
