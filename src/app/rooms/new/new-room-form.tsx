"use client";

import { useHydrated } from "@/components/use-hydrated.ts";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { modeLabels } from "@/components/mode-switcher.tsx";
import { modes, type Mode } from "@/server/domain/modes/machine.ts";
import { fieldErrorsOf } from "@/components/field-errors.ts";
import { TextArea, TextField } from "@/components/form/text-field.tsx";
import { api } from "@/trpc/react.tsx";

export function NewRoomForm() {
  const router = useRouter();
  const hydrated = useHydrated();
  const [name, setName] = useState("");
  const [goal, setGoal] = useState("");
  const [mode, setMode] = useState<Mode>("orchestrator");
  const utils = api.useUtils();
  const create = api.rooms.create.useMutation({
    onSuccess: (room) => {
      void utils.rooms.list.invalidate();
      router.push(`/rooms/${room.id}/setup`);
    },
  });
  const fieldErrors = fieldErrorsOf(create.error);
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;

  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name, goal, mode });
      }}
    >
      <TextField id="room-name" label="Name" value={name} onChange={(e) => setName(e.target.value)} error={fieldErrors.name} autoComplete="off" />
      <TextArea id="room-goal" label="Goal" hint="What the room is for; every agent sees it." value={goal} onChange={(e) => setGoal(e.target.value)} error={fieldErrors.goal} />
      <div className="field">
        <label htmlFor="room-mode">Mode</label>
        <select id="room-mode" value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
          {modes.map((m) => (
            <option key={m} value={m}>
              {modeLabels[m].name} — {modeLabels[m].hint}
            </option>
          ))}
        </select>
      </div>
      {create.error && (
        <p className="field-error" role="alert">
          {hasFieldErrors ? "Check the fields above." : create.error.message}
        </p>
      )}
      <div>
        <button type="submit" className="button" disabled={create.isPending || !hydrated}>
          {create.isPending ? "Creating…" : "Create room"}
        </button>
      </div>
    </form>
  );
}
