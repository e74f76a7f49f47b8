/**
 * listRooms reads rooms with one raw query: its rows must be exactly what Prisma reads (with the
 * roster count), its pages must follow (last activity, id) across ties, and search must match the
 * text literally.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { createAgent } from "../agents/agents.ts";
import { ensureUserByEmail } from "../auth/users.ts";
import { addAgentToRoom, createRoom, deleteRoom, listRooms, listRoomsInput } from "./rooms.ts";

const t = databaseForThisFile();

const list = (userId: string, input: Record<string, unknown> = {}) => listRooms(t.db, userId, listRoomsInput.parse(input));

async function user() {
  return ensureUserByEmail(t.db, `u-${randomUUID()}@example.com`);
}

describe("listRooms", () => {
  it("returns each room as Prisma reads it, with its roster size, newest activity first", async () => {
    const u = await user();
    const agents = [];
    for (const key of ["a", "b", "c"]) agents.push(await createAgent(t.db, u.id, { key, name: key, modelAlias: "local", rolePrompt: "", toolPermissions: [] }));
    const rooms = [];
    for (let i = 0; i < 4; i++) rooms.push(await createRoom(t.db, u.id, { name: `Room ${i}`, goal: `Goal ${i}`, mode: "roundtable" }));
    for (let i = 0; i < 4; i++) for (const agent of agents.slice(0, i)) await addAgentToRoom(t.db, u.id, { roomId: rooms[i]!.id, agentId: agent.id });
    await t.db.room.update({ where: { id: rooms[0]!.id }, data: { pendingMode: "manual", modeVersion: 3 } });
    // Another user's rooms and rosters count for nothing here.
    const other = await user();
    const otherAgent = await createAgent(t.db, other.id, { key: "x", name: "x", modelAlias: "local", rolePrompt: "", toolPermissions: [] });
    await addAgentToRoom(t.db, other.id, { roomId: (await createRoom(t.db, other.id, { name: "Theirs", goal: "", mode: "orchestrator" })).id, agentId: otherAgent.id });

    const expected = await t.db.room.findMany({
      where: { userId: u.id, deletedAt: null },
      orderBy: [{ lastActivityAt: "desc" }, { id: "desc" }],
      include: { _count: { select: { roster: true } } },
    });
    const page = await list(u.id);
    expect(page).toEqual({ items: expected, nextCursor: null });
    expect(page.items.map((r) => r._count.roster).sort()).toEqual([0, 1, 2, 3]);

    await deleteRoom(t.db, u.id, rooms[1]!.id);
    expect((await list(u.id)).items.map((r) => r.id)).not.toContain(rooms[1]!.id);
    expect((await list(u.id, { deleted: true })).items.map((r) => r.id)).toEqual([rooms[1]!.id]);
  });

  it("pages by (last activity, id), also through rooms active at the same instant", async () => {
    const u = await user();
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push((await createRoom(t.db, u.id, { name: `Room ${i}`, goal: "", mode: "orchestrator" })).id);
    const at = new Date();
    await t.db.room.updateMany({ where: { id: { in: ids.slice(2, 6) } }, data: { lastActivityAt: at } });
    const expected = (await t.db.room.findMany({ where: { userId: u.id }, orderBy: [{ lastActivityAt: "desc" }, { id: "desc" }], select: { id: true } })).map((r) => r.id);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(u.id, { limit: 2, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);

    // Another user's room as a cursor is like an unknown one: an empty page.
    const other = await user();
    const theirs = await createRoom(t.db, other.id, { name: "Theirs", goal: "", mode: "orchestrator" });
    expect(await list(u.id, { cursor: theirs.id })).toEqual({ items: [], nextCursor: null });
    expect(await list(u.id, { cursor: randomUUID() })).toEqual({ items: [], nextCursor: null });
  });

  it("searches names case-insensitively and literally: %, _ and \\ are not wildcards", async () => {
    const u = await user();
    for (const name of ["Launch plan", "a_b", "axb", "100%", "1000", "back\\slash", "backXslash"]) await createRoom(t.db, u.id, { name, goal: "", mode: "orchestrator" });
    const names = async (query: string) => (await list(u.id, { query })).items.map((r) => r.name).sort();
    expect(await names("LAUNCH")).toEqual(["Launch plan"]);
    expect(await names("a_b")).toEqual(["a_b"]);
    expect(await names("100%")).toEqual(["100%"]);
    expect(await names("back\\slash")).toEqual(["back\\slash"]);
    expect(await names("nothing like it")).toEqual([]);
  });
});
