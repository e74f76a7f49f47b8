/** The offline model's documented tool rule (providers/local.ts): deterministic, once per step, only tools it was offered. */
import { describe, expect, it } from "vitest";
import { fenceToolResult } from "../../domain/tools/fence.ts";
import { filesPrompt } from "../../domain/tools/files-prompt.ts";
import type { ChatMessage, ToolDefinition } from "../types.ts";
import { localReply, localToolCalls } from "./local.ts";

const tool = (name: string): ToolDefinition => ({ type: "function", function: { name, description: name, parameters: {} } });
const all = [tool("search"), tool("file_search"), tool("file_read")];
const report = { id: "0b9e6c1e-3a55-4c2f-9d2a-0f5a1c2b3d4e", name: "report.pdf", kind: "pdf", pages: 2 };
const context = (question: string, extra: ChatMessage[] = []): ChatMessage[] => [
  { role: "system", content: `You are Reader.\n\n${filesPrompt([report])}` },
  { role: "user", content: question },
  ...extra,
];

describe("localToolCalls", () => {
  it("reads a listed file the message names", () => {
    const [call, ...rest] = localToolCalls(context("What does REPORT.pdf say about prices?"), all);
    expect(rest).toEqual([]);
    expect(call).toMatchObject({ name: "file_read" });
    expect(JSON.parse(call!.arguments)).toEqual({ file_id: report.id });
  });

  it("searches the files when the message mentions documents, and the web when it asks to look something up", () => {
    expect(localToolCalls(context("Summarize the uploaded documents"), all).map((c) => c.name)).toEqual(["file_search"]);
    const [web] = localToolCalls(context("Please search the web for solar panel prices"), all);
    expect(web).toMatchObject({ name: "search" });
    expect(JSON.parse(web!.arguments)).toEqual({ query: "solar panel prices" });
  });

  it("uses only the tools it was offered, and answers plainly without a trigger", () => {
    expect(localToolCalls(context("What does report.pdf say?"), [tool("search")])).toEqual([]);
    expect(localToolCalls(context("Look up the weather"), [tool("file_read")])).toEqual([]);
    expect(localToolCalls(context("Look up the weather"), undefined)).toEqual([]);
    expect(localToolCalls(context("How are you?"), all)).toEqual([]);
  });

  it("is deterministic, and calls tools once per step: with results back it answers from them", () => {
    const question = "What does report.pdf say about the price?";
    expect(localToolCalls(context(question), all)).toEqual(localToolCalls(context(question), all));
    const [call] = localToolCalls(context(question), all);
    // As file_read frames it: a header naming the file (sharing words with the question), page markers, a closing line.
    const content = `report.pdf (file_id: ${report.id}, pdf, 2 pages, chunks 0–1): chunks 0–1, p. 1–2\n\n[p. 1]\nIntro here, about the report.\n\n[p. 2]\nThe price is nine euros a month. Schools pay less.\n\n[End of file.]`;
    const result = fenceToolResult({ tool: "file_read", status: "succeeded", summary: "Read: report.pdf p. 1–2", content });
    const after = context(question, [{ role: "assistant", content: "", toolCalls: [call!] }, { role: "tool", toolCallId: call!.id, content: result }]);
    expect(localToolCalls(after, all)).toEqual([]);
    expect(localReply(after)).toMatch(/^From report\.pdf p\. 1–2: “The price is nine euros a month\.”/);
  });

  it("says so when a tool failed", () => {
    const result = fenceToolResult({ tool: "file_read", status: "failed", summary: "file_read", content: "Error: No such file: x" });
    const after = context("Read report.pdf", [{ role: "assistant", content: "", toolCalls: [{ id: "c1", name: "file_read", arguments: "{}" }] }, { role: "tool", toolCallId: "c1", content: result }]);
    expect(localReply(after)).toMatch(/^I could not use file_read: Error: No such file: x/);
  });
});
