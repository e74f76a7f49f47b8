/**
 * Whole turns on the offline model (real PostgreSQL, the real turn runner and context assembly):
 * each agent answers in its own voice, later roundtable agents build on the earlier answers, the
 * orchestrator's synthesis names every specialist and draws on what they said, and no message
 * repeats a line of a role prompt, the room's setting or the manager's prompts.
 */
import { beforeEach, expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { roomWorld, sendAndRun, turnEngineForThisFile } from "@/test/turns.ts";
import { MANAGER_ROLE, SYNTHESIS_INSTRUCTIONS } from "../../../domain/turns/manager-prompts.ts";
import { setSetting } from "../../../domain/settings/settings.ts";

const t = databaseForThisFile();
const engine = turnEngineForThisFile(t, { fakeOpenAI: false });

const team = [
  { key: "strategist", name: "Strategist", rolePrompt: "You plan launches: scope, timeline, risks. Be concrete and brief." },
  { key: "skeptic", name: "Skeptic", rolePrompt: "You find the weak points in every proposal.\nPush back on easy answers." },
  { key: "engineer", name: "Engineer", rolePrompt: "You judge technical feasibility, effort and risk. Flag what could break." },
];

/** Every line (12 characters or more) of every prompt these turns can send. */
function promptLines(world: { room: { name: string; goal: string } }): string[] {
  const texts = [...team.map((a) => a.rolePrompt), MANAGER_ROLE, SYNTHESIS_INSTRUCTIONS, `Room goal: ${world.room.goal}`, ...team.map((a) => `You are ${a.name} in the room “${world.room.name}”`)];
  return texts.flatMap((text) => text.split("\n")).map((l) => l.trim()).filter((l) => l.length >= 12);
}

beforeEach(async () => {
  await setSetting(t.db, "orchestrator.manager_model", "local");
});

it("a roundtable answers in three voices, the later ones building on the earlier answers, quoting no prompt", async () => {
  const w = await roomWorld(t.db, "roundtable", team);
  const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "How should we launch the beta?");
  expect(turn.status).toBe("completed");
  const [strategist, skeptic, engineer] = turn.messages.filter((m) => m.role === "assistant");
  expect(strategist!.content).toMatch(/## Plan\n\n1\. /);
  expect(skeptic!.content).toMatch(/## Risks[\s\S]*\*\*Verdict:\*\*/);
  expect(engineer!.content).toContain("## Approach");
  expect(skeptic!.content).toContain("earlier answer from Strategist");
  expect(engineer!.content).toContain("earlier answers from Strategist and Skeptic");
  for (const message of turn.messages.filter((m) => m.role === "assistant")) {
    for (const line of promptLines(w)) expect(message.content).not.toContain(line);
  }
});

it("the orchestrator's synthesis names each specialist and draws on what they said", async () => {
  const w = await roomWorld(t.db, "orchestrator", team);
  const turn = await sendAndRun(engine.deps, w.user.id, w.session.id, "Plan the launch timeline and the risks.");
  expect(turn.status).toBe("completed");
  const answers = turn.messages.filter((m) => m.role === "assistant");
  const synthesis = answers.at(-1)!;
  expect(synthesis.agentName).toBe("Synthesis");
  const specialists = answers.slice(0, -1);
  expect(specialists.length).toBeGreaterThanOrEqual(2);
  for (const specialist of specialists) {
    // Its line names the agent and quotes a phrase of that agent's answer (markdown aside).
    const line = synthesis.content.split("\n").find((l) => l.startsWith(`- **${specialist.agentName}** `));
    const quoted = /“([^”]+?)(?: …)?”/.exec(line ?? "")?.[1];
    expect(quoted?.split(" ").length, line).toBeGreaterThanOrEqual(4);
    expect(specialist.content.replace(/[*_“”"]/g, "").replace(/\s+/g, " ")).toContain(quoted);
  }
  for (const message of answers) {
    for (const line of promptLines(w)) expect(message.content).not.toContain(line);
  }
});
