"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { ModeSwitcher } from "@/components/mode-switcher.tsx";
import { NotFoundView } from "@/components/shell/not-found-view.tsx";
import { fieldErrorsOf } from "@/components/field-errors.ts";
import { TextArea, TextField } from "@/components/form/text-field.tsx";
import { api, type RouterOutputs } from "@/trpc/react.tsx";

type Room = RouterOutputs["rooms"]["byId"];

function SettingsForm(props: { room: Room }) {
  const utils = api.useUtils();
  const [name, setName] = useState(props.room.name);
  const [goal, setGoal] = useState(props.room.goal);
  const update = api.rooms.update.useMutation({ onSuccess: () => utils.rooms.byId.invalidate({ id: props.room.id }) });
  const fieldErrors = fieldErrorsOf(update.error);
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({ id: props.room.id, name, goal });
      }}
    >
      <TextField id="setup-name" label="Name" value={name} onChange={(e) => setName(e.target.value)} error={fieldErrors.name} autoComplete="off" />
      <TextArea id="setup-goal" label="Goal" hint="What the room is for; every agent sees it." value={goal} onChange={(e) => setGoal(e.target.value)} error={fieldErrors.goal} />
      <div className="row">
        <button type="submit" className="button" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </button>
        {update.isSuccess && <span role="status">Saved.</span>}
        {update.error && <span className="field-error" role="alert">{hasFieldErrors ? "Check the fields above." : update.error.message}</span>}
      </div>
    </form>
  );
}

/** The roster in order: add, remove, and reorder by dragging or with the keyboard (buttons, or Alt+↑/↓). */
function RosterEditor(props: { room: Room }) {
  const utils = api.useUtils();
  const roomKey = { id: props.room.id };
  const library = api.agents.list.useQuery({ limit: 100 });
  const [adding, setAdding] = useState("");
  const [dragged, setDragged] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  // Where focus goes once the roster re-renders after a move or a removal.
  const focusTarget = useRef<string | null>(null);

  const optimistic = {
    onError: (_e: unknown, _v: unknown, context: { previous?: Room } | undefined) => {
      if (context?.previous) utils.rooms.byId.setData(roomKey, context.previous);
    },
    onSettled: () => utils.rooms.byId.invalidate(roomKey),
  };
  const reorder = api.rooms.reorderAgents.useMutation({
    ...optimistic,
    onMutate: async ({ agentIds }) => {
      await utils.rooms.byId.cancel(roomKey);
      const previous = utils.rooms.byId.getData(roomKey);
      if (previous) {
        const byId = new Map(previous.roster.map((r) => [r.id, r]));
        utils.rooms.byId.setData(roomKey, { ...previous, roster: agentIds.map((id, i) => ({ ...byId.get(id)!, position: i + 1 })) });
      }
      return { previous };
    },
  });
  const remove = api.rooms.removeAgent.useMutation({
    ...optimistic,
    onMutate: async ({ agentId }) => {
      await utils.rooms.byId.cancel(roomKey);
      const previous = utils.rooms.byId.getData(roomKey);
      if (previous) utils.rooms.byId.setData(roomKey, { ...previous, roster: previous.roster.filter((r) => r.id !== agentId).map((r, i) => ({ ...r, position: i + 1 })) });
      return { previous };
    },
  });
  const add = api.rooms.addAgent.useMutation({
    onSuccess: (room, input) => {
      utils.rooms.byId.setData(roomKey, room);
      // Clear the choice only if it is still the one just added: an agent picked while this
      // add was in flight stays chosen.
      setAdding((current) => (current === input.agentId ? "" : current));
      const added = room.roster.find((r) => r.id === input.agentId);
      if (added) setAnnouncement(`${added.name} added to the roster, position ${room.roster.length}.`);
      // The Add button is disabled once the choice is cleared: focus would drop to the page.
      // Back to the picker instead, ready to add the next agent.
      focusTarget.current = "roster-add";
    },
  });

  const roster = props.room.roster;
  const ids = roster.map((r) => r.id);

  useEffect(() => {
    if (!focusTarget.current) return;
    document.getElementById(focusTarget.current)?.focus();
    focusTarget.current = null;
  }, [roster]);

  function move(agentId: string, to: number) {
    // From the cache, not this render: quick repeated moves build on each other.
    const latest = utils.rooms.byId.getData(roomKey)?.roster ?? roster;
    const order = latest.map((r) => r.id);
    const from = order.indexOf(agentId);
    if (from < 0 || to < 0 || to >= order.length || to === from) return;
    order.splice(to, 0, ...order.splice(from, 1));
    reorder.reset();
    reorder.mutate({ roomId: props.room.id, agentIds: order });
    setAnnouncement(`${latest[from]!.name} moved to position ${to + 1} of ${order.length}.`);
    focusTarget.current = `roster-${agentId}`;
  }

  const available = library.data?.items.filter((a) => !ids.includes(a.id)) ?? [];
  const error = reorder.error ?? remove.error ?? add.error;

  return (
    <section className="card stack" aria-labelledby="roster-title">
      <div>
        <h2 id="roster-title" tabIndex={-1}>
          Roster
        </h2>
        <p className="field-hint">Agents answer in this order. Drag to reorder, or focus an agent and press Alt+↑ / Alt+↓. Changes apply on the next send.</p>
      </div>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      {roster.length === 0 && <p className="muted">No agents on the roster yet.</p>}
      <ol className="item-list" aria-label="Roster order">
        {roster.map((agent, index) => (
          <li
            key={agent.id}
            id={`roster-${agent.id}`}
            className="item"
            tabIndex={0}
            draggable
            data-dragging={dragged === agent.id}
            aria-label={`${index + 1}. ${agent.name} (@${agent.key})`}
            onKeyDown={(e) => {
              if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
              e.preventDefault();
              move(agent.id, e.key === "ArrowUp" ? index - 1 : index + 1);
            }}
            onDragStart={(e) => {
              setDragged(agent.id);
              e.dataTransfer.effectAllowed = "move";
            }}
            onDragOver={(e) => e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              if (dragged) move(dragged, index);
              setDragged(null);
            }}
            onDragEnd={() => setDragged(null)}
          >
            <div className="item-main">
              <strong>
                {index + 1}. {agent.name}
              </strong>
              <span className="muted">
                @{agent.key} · {agent.modelAlias}
              </span>
            </div>
            <div className="row">
              <button type="button" className="button secondary small icon-button" aria-label={`Move ${agent.name} up`} disabled={index === 0} onClick={() => move(agent.id, index - 1)}>
                ↑
              </button>
              <button type="button" className="button secondary small icon-button" aria-label={`Move ${agent.name} down`} disabled={index === roster.length - 1} onClick={() => move(agent.id, index + 1)}>
                ↓
              </button>
              <button
                type="button"
                className="button danger small"
                aria-label={`Remove ${agent.name} from the roster`}
                onClick={() => {
                  remove.mutate({ roomId: props.room.id, agentId: agent.id });
                  setAnnouncement(`${agent.name} removed from the roster.`);
                  // The button disappears with its row: keep focus on the roster.
                  focusTarget.current = "roster-title";
                }}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ol>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (adding) add.mutate({ roomId: props.room.id, agentId: adding });
        }}
      >
        <div className="field">
          <label htmlFor="roster-add">Add an agent</label>
          <select id="roster-add" value={adding} onChange={(e) => setAdding(e.target.value)}>
            <option value="">{available.length ? "Choose an agent…" : "Every agent is on the roster"}</option>
            {available.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} (@{a.key})
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button" disabled={!adding || add.isPending}>
          Add to roster
        </button>
      </form>
      <p className="field-hint">
        Need a new agent? <Link href="/agents">Open the agent library</Link>.
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error.data?.appCode === "conflict" ? "The roster changed elsewhere; showing the latest." : `Could not change the roster: ${error.message}`}
        </p>
      )}
    </section>
  );
}

function DeleteRoom(props: { room: Room }) {
  const router = useRouter();
  const utils = api.useUtils();
  const remove = api.rooms.delete.useMutation({
    onSuccess: async () => {
      await utils.rooms.list.invalidate();
      router.push("/");
    },
  });
  return (
    <section className="card" aria-labelledby="danger-title">
      <h2 id="danger-title">Delete room</h2>
      <p className="field-hint">Deleted rooms can be restored from the home page for 7 days; after that they and their sessions are gone.</p>
      <button
        type="button"
        className="button danger"
        disabled={remove.isPending}
        onClick={() => {
          if (window.confirm(`Delete ${props.room.name}? You can restore it for 7 days.`)) remove.mutate({ id: props.room.id });
        }}
      >
        Delete room
      </button>
      {remove.error && <p className="field-error" role="alert">Could not delete: {remove.error.message}</p>}
    </section>
  );
}

export function RoomSetup(props: { roomId: string }) {
  const room = api.rooms.byId.useQuery({ id: props.roomId }, { retry: false });
  if (room.error) {
    if (room.error.data?.appCode === "not_found") return <NotFoundView title="Room not found">This room does not exist, or is not yours. It may have been deleted.</NotFoundView>;
    return (
      <p className="alert error" role="alert">
        Could not load the room: {room.error.message} <Link href="/">Back to your rooms</Link>
      </p>
    );
  }
  if (!room.data) return <p className="muted">Loading room…</p>;
  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Set up {room.data.name}</h1>
          <p className="lede">Name, goal, mode and roster.</p>
        </div>
        <Link className="button secondary" href={`/rooms/${props.roomId}`}>
          Open room
        </Link>
      </div>
      {/* The roster first (on a phone too); the settings beside it; deleting last. */}
      <div className="content-aside">
        <RosterEditor room={room.data} />
        <div className="stack">
          <section className="card" aria-labelledby="settings-title">
            <h2 id="settings-title">Settings</h2>
            <SettingsForm room={room.data} />
          </section>
          <ModeSwitcher roomId={props.roomId} />
          <DeleteRoom room={room.data} />
        </div>
      </div>
    </div>
  );
}
