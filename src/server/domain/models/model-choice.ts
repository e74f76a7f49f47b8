/**
 * Which model the orchestrator's manager and the session summaries use (PRODUCT.md 13). An owner
 * chooses each in the app (settings `orchestrator.manager_model`, `summary.model`); with none chosen,
 * or the chosen one unusable, the best available real model is used, and the offline model only
 * when no real model is usable. "Best" is the usable real model with the largest context window
 * (the manager and the summarizer read the most), then the cheapest, then by alias — so the pick
 * is stable and can be explained.
 */
import { Decimal } from "decimal.js";
import type { Settings } from "../settings/settings.ts";
import { isUsable, LOCAL_MODEL_ALIAS, type Catalog, type CatalogModel } from "./catalog.ts";

export type ModelRole = "manager" | "summary";

export const settingOfRole = { manager: "orchestrator.manager_model", summary: "summary.model" } as const satisfies Record<ModelRole, keyof Settings>;

export interface ModelChoice {
  alias: string;
  /** `chosen`: the setting; `automatic`: the best available real model; `offline`: nothing else is usable. */
  source: "chosen" | "automatic" | "offline";
  /** One sentence for the settings screen. */
  note: string;
}

function better(a: CatalogModel, b: CatalogModel): number {
  if (a.contextWindow !== b.contextWindow) return b.contextWindow - a.contextWindow;
  const cost = new Decimal(a.price!.multiplier).comparedTo(b.price!.multiplier);
  return cost || a.alias.localeCompare(b.alias);
}

export function bestRealModel(catalog: Catalog): CatalogModel | undefined {
  return [...catalog.values()].filter((m) => isUsable(m) && !m.offline).sort(better)[0];
}

export function chooseModel(catalog: Catalog, settings: Pick<Settings, (typeof settingOfRole)[ModelRole]>, role: ModelRole): ModelChoice {
  const chosen = settings[settingOfRole[role]];
  const found = chosen ? catalog.get(chosen) : undefined;
  if (chosen && isUsable(found)) return { alias: chosen, source: "chosen", note: `${found.label} (${chosen}), chosen in settings.` };
  const unusable = chosen ? `The chosen model ${chosen} is unavailable (${found?.unavailableReason ?? "it no longer exists"}); ` : "";
  const best = bestRealModel(catalog);
  if (best) return { alias: best.alias, source: "automatic", note: `${unusable}using ${best.label} (${best.alias}): the available model with the largest context window.` };
  return { alias: LOCAL_MODEL_ALIAS, source: "offline", note: `${unusable}using the offline model: no other model is available.` };
}
