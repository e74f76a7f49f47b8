import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { RoomSetup } from "./room-setup.tsx";

export const metadata: Metadata = { title: "Room setup" };

export default async function RoomSetupPage(props: { params: Promise<{ id: string }> }) {
  const { id } = await props.params;
  await requireUser(`/rooms/${id}/setup`);
  return <RoomSetup roomId={id} />;
}
