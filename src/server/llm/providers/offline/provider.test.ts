/** The offline model as a provider: it streams its answer token by token, within max output tokens, and reports usage. */
import { describe, expect, it } from "vitest";
import { countMessageTokens, countTextTokens } from "../../tokenizer.ts";
import type { ChatMessage, ProviderRequest } from "../../types.ts";
import { LocalProvider, localReply } from "../local.ts";

const messages: ChatMessage[] = [
  { role: "system", content: "You find the weak points in every plan and say so plainly." },
  { role: "user", content: "Should we move the launch to Friday?" },
];

function request(overrides: Partial<ProviderRequest> = {}): ProviderRequest & { deltas: string[] } {
  const deltas: string[] = [];
  return { providerModel: "local", messages, maxOutputTokens: 1024, signal: new AbortController().signal, onDelta: (d) => deltas.push(d), deltas, ...overrides };
}

describe("LocalProvider", () => {
  it("streams the whole answer in many deltas and counts its tokens", async () => {
    const r = request();
    const result = await new LocalProvider(0).stream(r);
    expect(result.text).toBe(localReply(messages));
    expect(r.deltas.join("")).toBe(result.text);
    expect(r.deltas.length).toBe(countTextTokens(result.text));
    expect(result.usage).toEqual({ inputTokens: countMessageTokens(messages), cachedTokens: 0, outputTokens: countTextTokens(result.text) });
  });

  it("stops at max output tokens, keeping the start of the answer", async () => {
    const result = await new LocalProvider(0).stream(request({ maxOutputTokens: 12 }));
    expect(result.usage!.outputTokens).toBeLessThanOrEqual(12);
    expect(localReply(messages).startsWith(result.text)).toBe(true);
    expect(result.text.length).toBeLessThan(localReply(messages).length);
  });

  it("answers a title request with the title alone", async () => {
    const result = await new LocalProvider(0).stream(request({ messages: [{ role: "system", content: "Write a short title for this conversation." }, messages[1]!], maxOutputTokens: 32 }));
    expect(result.text).toBe("Moving the Launch to Friday");
  });
});
