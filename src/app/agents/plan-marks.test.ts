import { describe, expect, it } from "vitest";
import { planHint, planSuffix } from "./plan-marks.ts";

const marks = {
  planName: "Starter",
  plans: [
    { name: "Starter", allowedModels: ["llama"] },
    { name: "Pro", allowedModels: ["llama", "qwen"] },
    { name: "Power", allowedModels: [] },
  ],
};

describe("plan marks in the agent editor", () => {
  it("marks only models outside the plan, once the plan is known", () => {
    expect(planSuffix({ inPlan: false }, marks)).toBe(" — not in your plan (Starter)");
    expect(planSuffix({ inPlan: true }, marks)).toBe("");
    expect(planSuffix({ inPlan: false }, { planName: null, plans: [] })).toBe("");
  });

  it("names the first plan that includes the model (an empty allow-list includes all)", () => {
    expect(planHint({ alias: "qwen", label: "Qwen", inPlan: false }, marks)).toContain("The Pro plan includes it");
    expect(planHint({ alias: "gpt", label: "GPT", inPlan: false }, marks)).toContain("The Power plan includes it");
    expect(planHint({ alias: "gpt", label: "GPT", inPlan: false }, { ...marks, plans: [] })).toContain("Change plan on Usage & billing");
    expect(planHint({ alias: "llama", label: "Llama", inPlan: true }, marks)).toBe("");
  });
});
