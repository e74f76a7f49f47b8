/**
 * Which model the orchestrator's manager and the session summaries use (PRODUCT.md 13). An owner
 * chooses each in the app (settings `orchestrator.manager_model`, `summary.model`); with none chosen,
 * or the chosen one unusable, the best available real model is used, and the offline model only
 * when no real model is usable. The manager is called several times a turn, so "best" leans to
 * value: a model with a context window of at least 32k tokens, paid before free (free tiers, such
 * as OpenRouter's `:free` models, are heavily rate limited), then the lowest multiplier, then the
 * larger window, then by alias — so the pick is stable and can be explained.
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

const ROOMY_CONTEXT = 32_768;

function better(a: CatalogModel, b: CatalogModel): number {
  const roomy = (m: CatalogModel) => (m.contextWindow >= ROOMY_CONTEXT ? 0 : 1);
  const free = (m: CatalogModel) => (new Decimal(m.price!.outputUsdPerToken).isZero() ? 1 : 0);
  return (
    roomy(a) - roomy(b) ||
    free(a) - free(b) ||
    new Decimal(a.price!.multiplier).comparedTo(b.price!.multiplier) ||
    b.contextWindow - a.contextWindow ||
    a.alias.localeCompare(b.alias)
  );
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
  if (best) return { alias: best.alias, source: "automatic", note: `${unusable}using ${best.label} (${best.alias}), picked automatically: a paid model with room for long conversations, at the lowest multiplier.` };
  return { alias: LOCAL_MODEL_ALIAS, source: "offline", note: `${unusable}using the offline model: no other model is available.` };
}
