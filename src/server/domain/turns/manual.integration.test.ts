/**
 * Manual mode (PRODUCT.md 5.1 step 3 and 5.2): tags pick the agents, in tag order; untagged or
 * unknown-only messages are refused; unknown tags are kept in the turn's metadata; tagged agents do
 * not see each other's same-turn output. Agents run on a fake OpenAI-compatible server, so what each
 * model received is on record.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roleOf } from "@/test/fake-openai.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { sendTurn } from "./send-turn.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t);
beforeEach(() => {
  engine.fake.reset();
  // Each agent answers with a sentence that names it, so leaks between agents are visible.
  engine.fake.script((r) => `${roleOf(r)} Here is my answer.`);
});

const agents = (...keys: string[]) => keys.map((key) => ({ key, name: key[0]!.toUpperCase() + key.slice(1), modelAlias: "llama" }));

function manualRoom(...keys: string[]) {
  return roomWorld(t.db, "manual", agents(...keys));
}

async function refusedSend(world: Awaited<ReturnType<typeof manualRoom>>, message: string) {
  const error = await sendTurn(engine.deps, world.user.id, { sessionId: world.session.id, message, clientRequestId: randomUUID() }).catch((e: unknown) => e);
  // Nothing was created: no turn, no message, no call.
  expect(await t.db.turn.count({ where: { sessionId: world.session.id } })).toBe(0);
  expect(await t.db.message.count({ where: { sessionId: world.session.id } })).toBe(0);
  expect(engine.fake.requests).toHaveLength(0);
  return error;
}

describe("manual mode refusals", () => {
  it("refuses a message with no tag", async () => {
    const world = await manualRoom("alice", "bob");
    const error = await refusedSend(world, "What should we do next?");
    expect(error).toMatchObject({ name: "AppError", code: "no_valid_tagged_agents" });
  });

  it("refuses tags that match nobody on the roster, with the same code", async () => {
    const world = await manualRoom("alice", "bob");
    const error = await refusedSend(world, "@ghost and @nobody, what now?");
    expect(error).toMatchObject({ code: "no_valid_tagged_agents", details: { unknownTags: ["ghost", "nobody"] } });
  });

  it("does not read an e-mail address as a tag", async () => {
    const world = await manualRoom("alice", "example");
    const error = await refusedSend(world, "Please write to bob@example.com about it.");
    expect(error).toMatchObject({ code: "no_valid_tagged_agents" });
  });
});

describe("manual mode turns", () => {
  it("runs several tags in tag order, and no tagged agent sees another's same-turn output", async () => {
    const world = await manualRoom("alice", "bob", "carol");
    const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "@carol then @Alice: is Friday a good launch day?");

    expect(turn.status).toBe("completed");
    expect(turn.mode).toBe("manual");
    expect(turn.steps.map((s) => [s.agentKey, s.status])).toEqual([
      ["carol", "succeeded"],
      ["alice", "succeeded"],
    ]);
    // bob was not tagged: not called.
    expect(engine.fake.requests.map(roleOf)).toEqual(["You are Carol.", "You are Alice."]);
    // Alice (second) got exactly the user's message: nothing of Carol's answer.
    for (const request of engine.fake.requests) {
      expect(request.conversation).toEqual([{ role: "user", content: "@carol then @Alice: is Friday a good launch day?" }]);
      expect(JSON.stringify(request.messages)).not.toContain("Here is my answer");
    }
    expect(turn.messages.map((m) => [m.role, m.agentKey, m.content])).toEqual([
      ["user", null, "@carol then @Alice: is Friday a good launch day?"],
      ["assistant", "carol", "You are Carol. Here is my answer."],
      ["assistant", "alice", "You are Alice. Here is my answer."],
    ]);
  });

  it("lists unknown tags in the turn's metadata and runs the known ones", async () => {
    const world = await manualRoom("alice", "bob");
    const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "@ghost @bob @ghost @Phantom thoughts?");
    expect(turn.status).toBe("completed");
    expect(turn.metadata).toMatchObject({ unknownTags: ["ghost", "phantom"] });
    expect(turn.steps.map((s) => s.agentKey)).toEqual(["bob"]);
    expect((turn.rosterSnapshot as { selected: string[] }).selected).toEqual(["bob"]);
  });

  it("works with hyphenated keys", async () => {
    const world = await manualRoom("code-reviewer", "data_analyst", "code");
    const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "@code-reviewer, then @data_analyst: review this.");
    expect(turn.status).toBe("completed");
    // `@code-reviewer` is its own key, not `@code` followed by text.
    expect(turn.steps.map((s) => s.agentKey)).toEqual(["code-reviewer", "data_analyst"]);
    expect(turn.metadata).not.toHaveProperty("unknownTags");
  });

  it("ignores an e-mail address next to a real tag", async () => {
    const world = await manualRoom("alice", "example");
    const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "@alice please mail bob@example.com");
    expect(turn.steps.map((s) => s.agentKey)).toEqual(["alice"]);
    expect(turn.metadata).not.toHaveProperty("unknownTags");
  });

  it("in a later turn, agents see earlier turns' answers labelled with the author's name", async () => {
    const world = await manualRoom("alice", "bob");
    await sendAndRun(engine.deps, world.user.id, world.session.id, "@bob first question");
    engine.fake.reset();
    const turn = await sendAndRun(engine.deps, world.user.id, world.session.id, "@alice second question");
    expect(turn.status).toBe("completed");
    expect(engine.fake.requests).toHaveLength(1);
    expect(engine.fake.requests[0]!.conversation).toEqual([
      { role: "user", content: "@bob first question" },
      { role: "assistant", content: "[Bob]: You are Bob. Here is my answer." },
      { role: "user", content: "@alice second question" },
    ]);
  });
});
