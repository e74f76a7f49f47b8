import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { roomNameFor } from "./room-title.ts";
import { RoomWorkspace } from "./room-workspace.tsx";

/** The tab is titled with the room's name ("Debate club · Pantheon"), so several open rooms can be told apart. */
export async function generateMetadata(props: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await props.params;
  return { title: (await roomNameFor(id)) ?? "Room not found" };
}

export default async function RoomPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  await requireUser(`/rooms/${id}`);
  // Keyed by room: nothing of one room's conversation may carry over to another.
  return <RoomWorkspace key={id} roomId={id} />;
}
