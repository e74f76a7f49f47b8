import { describe, expect, it } from "vitest";
import { formatContext, formatUsd, priceLine, suggestAlias } from "./format.ts";

describe("suggestAlias", () => {
  it.each([
    ["gpt-4o-mini", "gpt-4o-mini"],
    ["meta-llama/llama-3.3-70b-instruct:free", "meta-llama-llama-3.3-70b-instruct-free"],
    ["Org/Some_Model:Free v2", "org-some_model-free-v2"],
    ["@cf/meta/llama", "cf-meta-llama"],
    ["qwen2.5:7b", "qwen2.5-7b"],
    ["!!!", "model"],
  ])("%s → %s", (id, alias) => {
    expect(suggestAlias(id)).toBe(alias);
    expect(suggestAlias(id)).toMatch(/^[a-z0-9][a-z0-9_.-]{0,63}$/);
  });

  it("keeps an alias within 64 characters", () => {
    const alias = suggestAlias(`vendor/${"x".repeat(100)}`);
    expect(alias.length).toBeLessThanOrEqual(64);
    expect(alias).toMatch(/^[a-z0-9][a-z0-9_.-]{0,63}$/);
  });
});

describe("formatting", () => {
  it("shows context windows in K and M", () => {
    expect(formatContext(8192)).toBe("8K");
    expect(formatContext(131_072)).toBe("131K");
    expect(formatContext(1_048_576)).toBe("1M");
    expect(formatContext(512)).toBe("512");
  });

  it("shows prices per million tokens in dollars, small ones in full", () => {
    expect(formatUsd("2")).toBe("$2.00");
    expect(formatUsd("0.000125")).toBe("$0.000125");
    expect(priceLine({ inputPerMTokUsd: "0.15", outputPerMTokUsd: "0.6" })).toBe("$0.15 in · $0.60 out per M tokens");
    expect(priceLine(null)).toBe("no price");
  });
});
