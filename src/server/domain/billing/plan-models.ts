/**
 * The model list as a user sees it (`models.list`, `agents.models`): every model with `inPlan`,
 * whether the caller's plan lets them call it, so the agent editor can say so before a send is
 * refused with `model_not_in_plan`.
 */
import type { Db } from "../../db.ts";
import { listModels } from "../models/model-admin.ts";
import { planAllowsModel, planForUser } from "./plans.ts";

export async function listModelsForUser(db: Db, userId: string) {
  const [models, { plan }] = await Promise.all([listModels(db), planForUser(db, userId)]);
  return models.map((model) => ({ ...model, inPlan: planAllowsModel(plan, model.alias) }));
}
