/** The context preflight of a send (PRODUCT.md 5.1 step 5): every model the turn will call must fit. */
import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors.ts";
import type { Catalog, CatalogModel } from "../models/catalog.ts";
import { defaultSettings } from "../settings/settings.ts";
import { assertFits } from "./context-preflight.ts";
import { MANAGER_MAX_OUTPUT_TOKENS } from "./manager-prompts.ts";

const agent = (key: string, model = "local") => ({ id: key, key, name: key.toUpperCase(), model, role: `You are ${key}.` });
const settings = defaultSettings();
const model = (alias: string, contextWindow: number, unavailableReason: string | null = null): CatalogModel => ({
  alias,
  label: alias,
  providerModel: alias,
  contextWindow,
  maxOutput: null,
  capabilities: [],
  enabled: unavailableReason === null,
  builtin: alias === "local",
  fallbackAlias: null,
  provider: { id: "p", key: alias === "local" ? "local" : "openrouter", name: "P", kind: alias === "local" ? "local" : "openai_compatible", preset: "openrouter", enabled: true, configured: true },
  offline: alias === "local",
  price: { pricingVersion: 1, multiplier: "1", inputUsdPerToken: "0", cachedInputUsdPerToken: "0", outputUsdPerToken: "0" },
  unavailableReason,
});
const catalog: Catalog = new Map([model("local", 8192), model("llama", 131072), model("qwen", 32768, "it is disabled")].map((m) => [m.alias, m]));
const args = (message: string) => ({ summary: null, message, settings, catalog, managerModel: "local" });
const long = "word ".repeat(9000);

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("assertFits", () => {
  it("returns the first selected agent's call, at the turn's output cap", () => {
    const roster = [agent("alice"), agent("bob", "llama")];
    const first = assertFits({ mode: "roundtable", room: { name: "R", goal: "G" }, roster, selected: roster }, args("Hello"));
    expect(first).toMatchObject({ modelAlias: "local", maxOutputTokens: settings["turns.max_output_tokens"] });
    expect(first.inputTokens).toBeGreaterThan(0);
  });

  it("in orchestrator mode, the manager's routing comes first", () => {
    const roster = [agent("alice", "llama")];
    const first = assertFits({ mode: "orchestrator", room: null, roster, selected: roster }, args("Hello"));
    expect(first).toMatchObject({ modelAlias: "local", maxOutputTokens: MANAGER_MAX_OUTPUT_TOKENS });
  });

  it("refuses a message too long for an agent's model, naming the agent and the numbers", () => {
    const roster = [agent("bob", "llama"), agent("alice")];
    const error = refusal(() => assertFits({ mode: "roundtable", room: null, roster, selected: roster }, args(long)));
    expect(error.code).toBe("context_budget_exceeded");
    expect(error.details).toMatchObject({ agentKey: "alice", model: "local", contextWindow: 8192 });
    expect(Number(error.details!.neededTokens)).toBeGreaterThan(Number(error.details!.budgetTokens));
  });

  it("refuses a message that fits the specialists but not the manager's smaller window", () => {
    const roster = [agent("bob", "llama")];
    const error = refusal(() => assertFits({ mode: "orchestrator", room: null, roster, selected: roster }, args(long)));
    expect(error.details).toMatchObject({ agentKey: null, model: "local" });
    expect(error.message).toContain("manager");
  });

  it("refuses an agent whose model cannot be used, naming the agent, the model and why", () => {
    const roster = [agent("alice"), agent("bob", "qwen")];
    const error = refusal(() => assertFits({ mode: "roundtable", room: null, roster, selected: roster }, args("Hello")));
    expect(error).toMatchObject({ code: "model_unavailable", details: { agentKey: "bob", model: "qwen" } });
    expect(error.message).toContain("it is disabled");
    // A model that no longer exists is refused the same way.
    const gone = [agent("carol", "vanished")];
    expect(refusal(() => assertFits({ mode: "manual", room: null, roster: gone, selected: gone }, args("Hello"))).message).toContain("no longer exists");
  });
});
