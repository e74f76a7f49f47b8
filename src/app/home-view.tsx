"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useDeferredValue, useState } from "react";
import { TextField } from "@/components/form/text-field.tsx";
import { modeLabels } from "@/components/mode-switcher.tsx";
import { formatCredits } from "@/components/usage/credits.ts";
import { relativeTime } from "@/lib/relative-time.ts";
import { api } from "@/trpc/react.tsx";

export function HomeView() {
  const router = useRouter();
  const [search, setSearch] = useState("");
  const query = useDeferredValue(search.trim());
  const rooms = api.rooms.list.useQuery({ query: query || undefined, limit: 20 });
  const templates = api.rooms.templates.useQuery();
  const utils = api.useUtils();
  const fromTemplate = api.rooms.createFromTemplate.useMutation({
    onSuccess: (room) => {
      // The sidebar lists it (and its agents, new in the library) as the room opens.
      void utils.rooms.list.invalidate();
      void utils.agents.list.invalidate();
      router.push(`/rooms/${room.id}`);
    },
  });
  const deleted = api.rooms.list.useQuery({ deleted: true, limit: 20 });
  const restore = api.rooms.restore.useMutation({ onSuccess: () => utils.rooms.list.invalidate() });
  const wallet = api.usage.wallet.useQuery(undefined, { staleTime: 15_000 });

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>Rooms</h1>
          <p className="lede">Talk to a room of agents, or start from a template.</p>
        </div>
        <div className="row">
          <Link className="button secondary" href="/agents">
            Agent library
          </Link>
          <Link className="button" href="/rooms/new">
            New room
          </Link>
        </div>
      </div>

      <p className="credits-left" data-testid="credits-left">
        <span className="muted">Credits left</span>{" "}
        <strong>{wallet.data ? formatCredits(wallet.data.balance) : wallet.error ? "unavailable" : "…"}</strong>
        {wallet.data?.lowBalance && <span className="badge pending">low</span>}{" "}
        <Link href="/usage">Usage &amp; billing</Link>
      </p>

      <TextField id="room-search" label="Search rooms" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Room name" className="narrow-field" />

      <section aria-labelledby="recent-title">
        <h2 id="recent-title" className="visually-hidden">
          Recent rooms
        </h2>
        {rooms.isLoading && <p>Loading rooms…</p>}
        {rooms.error && <p className="field-error" role="alert">Could not load rooms: {rooms.error.message}</p>}
        {rooms.data && rooms.data.items.length === 0 && <p className="muted">{query ? `No room matches “${query}”.` : "No rooms yet. Create one, or use a template below."}</p>}
        {rooms.data && rooms.data.items.length > 0 && (
          <ul className="item-list">
            {rooms.data.items.map((room) => (
              <li key={room.id} className="item">
                <div className="item-main">
                  <Link href={`/rooms/${room.id}`}>{room.name}</Link>
                  <span className="muted">
                    {modeLabels[room.currentMode].name}
                    {room.pendingMode ? ` → ${modeLabels[room.pendingMode].name} on next send` : ""} · {room._count.roster} agent{room._count.roster === 1 ? "" : "s"} · active {relativeTime(room.lastActivityAt)}
                  </span>
                </div>
                <Link className="button secondary small" href={`/rooms/${room.id}/setup`}>
                  Set up
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>

      {deleted.data && deleted.data.items.length > 0 && (
        <section aria-labelledby="deleted-title" className="stack">
          <h2 id="deleted-title">Recently deleted</h2>
          <ul className="item-list">
            {deleted.data.items.map((room) => {
              const until = new Date(room.deletedAt!.getTime() + 7 * 86_400_000);
              return (
                <li key={room.id} className="item">
                  <div className="item-main">
                    <span>{room.name}</span>
                    <span className="muted">restorable until {until.toLocaleDateString()}</span>
                  </div>
                  <button type="button" className="button secondary small" disabled={restore.isPending} onClick={() => restore.mutate({ id: room.id })} aria-label={`Restore ${room.name}`}>
                    Restore
                  </button>
                </li>
              );
            })}
          </ul>
          {restore.error && <p className="field-error" role="alert">Could not restore: {restore.error.message}</p>}
        </section>
      )}

      <section aria-labelledby="templates-title" className="stack">
        <h2 id="templates-title">Quick start</h2>
        <div className="grid-cards">
          {templates.data?.map((template) => (
            <div key={template.id} className="card stack">
              <div>
                <h3 style={{ margin: 0 }}>{template.name}</h3>
                <p className="muted" style={{ margin: "0.25rem 0" }}>
                  {template.description}
                </p>
                <p className="field-hint">
                  {modeLabels[template.mode].name} · {template.agents.join(", ")}
                </p>
              </div>
              <div>
                <button
                  type="button"
                  className="button secondary"
                  disabled={fromTemplate.isPending}
                  onClick={() => fromTemplate.mutate({ templateId: template.id })}
                  aria-label={`Create a room from the ${template.name} template`}
                >
                  Create a room
                </button>
              </div>
            </div>
          ))}
        </div>
        {fromTemplate.error && <p className="field-error" role="alert">Could not create the room: {fromTemplate.error.message}</p>}
      </section>
    </div>
  );
}
