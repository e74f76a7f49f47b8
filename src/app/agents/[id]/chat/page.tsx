import type { Metadata } from "next";
import { agentNameFor } from "@/app/rooms/[id]/room-title.ts";
import { requireUser } from "@/server/auth/current-user.ts";
import { DirectChat } from "./direct-chat.tsx";

export async function generateMetadata(props: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await props.params;
  const name = await agentNameFor(id);
  return { title: name ? `Chat with ${name}` : "Agent not found" };
}

export default async function DirectChatPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  await requireUser(`/agents/${id}/chat`);
  return <DirectChat key={id} agentId={id} />;
}
