/** A fake OpenAI-compatible server for the specs whose agents answer from one. */
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions, type FakeScript } from "../src/test/fake-openai.ts";
import { test } from "./fixtures.ts";

/**
 * For one spec file: a fake OpenAI-compatible server (src/test/fake-openai.ts) started before its
 * tests and closed after them. Returns a getter for it, to be called inside hooks and tests: a test
 * sets the replies with `fake().script(...)` and points a provider at `fake().baseURL` (the
 * `openRouterAt` fixture, or a provider an owner adds in the console).
 */
export function fakeOpenAIForThisFile(initial?: FakeScript, options?: FakeOpenAIOptions): () => FakeOpenAI {
  let fake: FakeOpenAI | undefined;
  test.beforeAll(async () => {
    fake = await startFakeOpenAI(initial, options);
  });
  test.afterAll(async () => {
    await fake?.close();
  });
  return () => {
    if (!fake) throw new Error("the fake OpenAI server exists only inside hooks and tests");
    return fake;
  };
}
