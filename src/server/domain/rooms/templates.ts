/**
 * Quick-start templates: a room with a ready roster, creating the agents it needs (an agent the
 * user already has with the same @key is reused, not duplicated).
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import { LOCAL_MODEL_ALIAS, loadCatalog } from "../models/catalog.ts";
import { bestRealModel } from "../models/model-choice.ts";
import type { Mode } from "../modes/machine.ts";
import { insertIntoRoster } from "./roster.ts";

interface TemplateAgent {
  key: string;
  name: string;
  rolePrompt: string;
}

export interface RoomTemplate {
  id: string;
  name: string;
  description: string;
  goal: string;
  mode: Mode;
  agents: TemplateAgent[];
}

export const roomTemplates: readonly RoomTemplate[] = [
  {
    id: "product-launch",
    name: "Product launch",
    description: "A strategist routes your questions to marketing and engineering, then sums up.",
    goal: "Plan and ship a product launch.",
    mode: "orchestrator",
    agents: [
      { key: "strategist", name: "Strategist", rolePrompt: "You plan launches: scope, timeline, risks. Be concrete and brief." },
      { key: "marketer", name: "Marketer", rolePrompt: "You write positioning, messaging and channel plans for launches." },
      { key: "engineer", name: "Engineer", rolePrompt: "You judge technical feasibility, effort and risk. Flag what could break." },
    ],
  },
  {
    id: "code-review",
    name: "Code review",
    description: "Every reviewer answers in turn and sees the earlier reviews.",
    goal: "Review a change for correctness, security and clarity.",
    mode: "roundtable",
    agents: [
      { key: "code-reviewer", name: "Code reviewer", rolePrompt: "You review code for correctness and clarity. Quote the lines you mean." },
      { key: "security-reviewer", name: "Security reviewer", rolePrompt: "You look for security problems: injection, auth, secrets, unsafe defaults." },
    ],
  },
  {
    id: "writing-desk",
    name: "Writing desk",
    description: "Tag the editor or the fact-checker when you need them.",
    goal: "Draft and polish articles.",
    mode: "manual",
    agents: [
      { key: "editor", name: "Editor", rolePrompt: "You edit for structure, tone and concision. Suggest, then show the edit." },
      { key: "fact-checker", name: "Fact-checker", rolePrompt: "You check claims and say which need a source." },
    ],
  },
];

export const createFromTemplateInput = z.object({ templateId: z.enum(roomTemplates.map((t) => t.id) as [string, ...string[]]) });

export async function createRoomFromTemplate(db: Db, userId: string, templateId: string) {
  const template = roomTemplates.find((t) => t.id === templateId)!;
  // A template's agents start on the best available model (the offline one when there is no other).
  const model = bestRealModel(await loadCatalog(db))?.alias ?? LOCAL_MODEL_ALIAS;
  return db.$transaction(async (tx) => {
    const room = await tx.room.create({ data: { userId, name: template.name, goal: template.goal, currentMode: template.mode } });
    for (const spec of template.agents) {
      // Insert unless a live agent has the key (a concurrent template may be creating it too).
      await tx.$executeRaw`
        INSERT INTO agents (id, user_id, key, name, model_alias, role_prompt, updated_at)
        VALUES (gen_random_uuid(), ${userId}::uuid, ${spec.key}, ${spec.name}, ${model}, ${spec.rolePrompt}, now())
        ON CONFLICT (user_id, key) WHERE deleted_at IS NULL DO NOTHING`;
      const [agent] = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM agents WHERE user_id = ${userId}::uuid AND key = ${spec.key} AND deleted_at IS NULL FOR SHARE`;
      await insertIntoRoster(tx, room.id, agent!.id);
    }
    return room;
  });
}
