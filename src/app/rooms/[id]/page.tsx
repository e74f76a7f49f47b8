import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { RoomWorkspace } from "./room-workspace.tsx";

export const metadata: Metadata = { title: "Room" };

export default async function RoomPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  await requireUser(`/rooms/${id}`);
  // Keyed by room: its selected session must not carry over to another room.
  return <RoomWorkspace key={id} roomId={id} />;
}
