import type { Metadata } from "next";
import { requireUser } from "@/server/auth/current-user.ts";
import { NewRoomForm } from "./new-room-form.tsx";

export const metadata: Metadata = { title: "New room" };

export default async function NewRoomPage() {
  await requireUser("/rooms/new");
  return (
    <div className="stack">
      <div>
        <h1>New room</h1>
        <p className="lede">Name it and say what it is for; add agents next.</p>
      </div>
      <NewRoomForm />
    </div>
  );
}
