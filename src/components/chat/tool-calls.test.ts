import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { ToolCallView } from "./live-turns.ts";
import { runningLine, SourceList, toolCallLine, ToolCallList } from "./tool-calls.tsx";

const call = (over: Partial<ToolCallView> = {}): ToolCallView => ({
  id: "c1",
  tool: "search",
  status: "succeeded",
  input: { query: "solar panels" },
  summary: "Searched: solar panels",
  sources: [],
  latencyMs: 1200,
  credits: "0.5",
  error: null,
  ...over,
});

describe("tool call lines", () => {
  it("say what a running call does, from its arguments, and its summary once it ended", () => {
    expect(runningLine({ tool: "search", input: { query: " solar panels " } })).toBe("Searching: solar panels");
    expect(runningLine({ tool: "file_search", input: { query: "pricing" } })).toBe("Searching files: pricing");
    expect(runningLine({ tool: "file_read", input: { file_id: "f1" } })).toBe("Reading a file");
    expect(runningLine({ tool: "mcp_thing", input: {} })).toBe("Using mcp_thing");
    expect(toolCallLine(call({ status: "running", summary: "" }))).toBe("Searching: solar panels…");
    expect(toolCallLine(call())).toBe("Searched: solar panels");
    expect(toolCallLine(call({ status: "denied", summary: "" }))).toBe("Searching: solar panels: not allowed");
  });

  it("render as disclosure buttons, closed, with the call's facts and error in the panel they control", () => {
    const html = renderToStaticMarkup(createElement(ToolCallList, { calls: [call({ status: "failed", summary: "Search failed", error: "Provider unreachable" }), call({ id: "c2", status: "running", summary: "" })], agentName: "Analyst" }));
    expect(html).toContain('aria-label="Tools used by Analyst"');
    expect(html.match(/aria-expanded="false"/g)).toHaveLength(2);
    const controls = [...html.matchAll(/aria-controls="([^"]+)"/g)].map((m) => m[1]);
    for (const id of controls) expect(html).toContain(`id="${id}" class="tool-call-details" hidden=""`);
    expect(html).toContain("Provider unreachable");
    expect(html).toContain("1.2 s");
    expect(html).toContain("0.50");
    expect(html).toContain('aria-busy="true"');
    expect(html).toContain("Searching: solar panels…");
  });
});

describe("sources", () => {
  it("are web links that open in a new tab with no opener or referrer; anything else is dropped", () => {
    const html = renderToStaticMarkup(
      createElement(SourceList, {
        sources: [
          { title: "Solar report", url: "https://example.com/solar" },
          { title: "", url: "http://b.example/x" },
          { title: "Bad", url: "javascript:alert(1)" },
        ],
      }),
    );
    expect(html).toContain('<a href="https://example.com/solar" target="_blank" rel="noopener noreferrer">Solar report');
    // No title: the link reads as its host.
    expect(html).toContain('<a href="http://b.example/x" target="_blank" rel="noopener noreferrer">b.example');
    expect(html).not.toContain("javascript:");
    expect(renderToStaticMarkup(createElement(SourceList, { sources: [{ title: "x", url: "data:text/html,hi" }] }))).toBe("");
  });
});
