import { describe, expect, it } from "vitest";
import { isCurrentSection, sessionHref, whereFrom } from "./where.ts";

const id = "6f1c2a6e-1b7b-4c3e-9a53-2f0d0b6f9e10";

describe("whereFrom", () => {
  it("reads the room, the agent chat and the session from the URL", () => {
    expect(whereFrom(`/rooms/${id}`, "s1")).toMatchObject({ roomId: id, agentId: null, sessionId: "s1" });
    expect(whereFrom(`/rooms/${id}/setup`, null)).toMatchObject({ roomId: id, agentId: null });
    expect(whereFrom(`/agents/${id}/chat`, null)).toMatchObject({ roomId: null, agentId: id });
    expect(whereFrom("/rooms/new", null)).toMatchObject({ roomId: null, agentId: null });
    expect(whereFrom("/agents", null)).toMatchObject({ roomId: null, agentId: null });
  });
});

describe("sessionHref", () => {
  it("links a room's or an agent's session, and a message in it", () => {
    expect(sessionHref({ roomId: id }, "s1")).toBe(`/rooms/${id}?s=s1`);
    expect(sessionHref({ agentId: id }, "s1", 7)).toBe(`/agents/${id}/chat?s=s1#m-7`);
  });
});

describe("isCurrentSection", () => {
  it("marks a section on its pages only", () => {
    expect(isCurrentSection("/admin", "/admin/users")).toBe(true);
    expect(isCurrentSection("/admin", "/administrator")).toBe(false);
    expect(isCurrentSection("/", "/usage")).toBe(false);
    expect(isCurrentSection("/", "/")).toBe(true);
  });
});
