import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { roomNameFor } from "../room-title.ts";
import { RoomSetup } from "./room-setup.tsx";

export async function generateMetadata(props: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await props.params;
  const name = await roomNameFor(id);
  return { title: name ? `Set up ${name}` : "Room not found" };
}

export default async function RoomSetupPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  await requireUser(`/rooms/${id}/setup`);
  return <RoomSetup roomId={id} />;
}
