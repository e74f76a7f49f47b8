/**
 * Chat rendering figures for docs/benchmarks.md ("Chat rendering"); skipped unless
 * PANTHEON_BENCH=1 (`PANTHEON_BENCH=1 flock /tmp/pantheon-e2e.lock npx playwright test e2e/chat-rendering.bench.spec.ts`).
 *
 * 1. Streaming: a 4,000-token Markdown answer (paragraphs, lists, tables, code) streamed at 30 ms a
 *    token by a paced OpenAI-compatible server started here, behind the real gateway and worker:
 *    the longest main-thread task (PerformanceObserver 'longtask') and the total script time (CDP
 *    Performance.getMetrics ScriptDuration) while it streams.
 * 2. A long session: 1,000 turns (2,000 messages) written into the database, every page loaded by
 *    scrolling up, then the whole timeline scrolled top to bottom: longest task, and frame times.
 * The results are written to reports/chat-rendering.json.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import type { Page } from "@playwright/test";
import { expect, test, type Sql } from "./fixtures.ts";
import { roomWithAgents, seedLongSession } from "./seed.ts";

test.skip(!process.env.PANTHEON_BENCH, "benchmark: set PANTHEON_BENCH=1");

const TOKEN_MS = 30;
const TOKENS = 4000;
const BURST = 300;

/** About TOKENS tokens of mixed Markdown, as pieces of one token each (a word and its space). */
function answerTokens(): string[] {
  const section = (i: number) =>
    [
      `## Part ${i}`,
      "",
      `This part explains **step ${i}** of the rollout, with a few *details* and a [reference](https://example.com/${i}) to the docs, so that the paragraph is long enough to wrap over several lines on a laptop screen.`,
      "",
      "- check the inputs and the limits",
      "- write the migration and its test",
      "- ship it behind a flag",
      "",
      "| metric | before | after |",
      "|---|---:|---:|",
      `| p95 ms | ${100 + i} | ${60 + i} |`,
      "| errors | 3 | 0 |",
      "",
      "```ts",
      `export function step${i}(input: string): number {`,
      "  const parts = input.split(',').map((p) => p.trim());",
      "  return parts.filter(Boolean).length;",
      "}",
      "```",
      "",
    ].join("\n");
  const tokens: string[] = [];
  for (let i = 1; tokens.length < TOKENS; i++) tokens.push(...(section(i).match(/\S+\s*|\s+/g) ?? []));
  return tokens.slice(0, TOKENS);
}

/** An OpenAI-compatible server that streams `tokens`, one per TOKEN_MS after the first BURST. */
async function pacedServer(tokens: string[]) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", async () => {
      res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": `bench-${randomUUID()}` });
      const send = (content: string) => res.write(`data: ${JSON.stringify({ id: "bench", object: "chat.completion.chunk", created: 1, model: "bench", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`);
      // A model call may last LLM_TIMEOUT_SECONDS (120 s), and 4,000 tokens at 30 ms are 120 s:
      // the first BURST tokens come at once (a harder case for the page), the rest at 30 ms each.
      send(tokens.slice(0, BURST).join(""));
      for (const token of tokens.slice(BURST)) {
        if (res.destroyed) return;
        send(token);
        await new Promise((r) => setTimeout(r, TOKEN_MS));
      }
      res.write(`data: ${JSON.stringify({ id: "bench", object: "chat.completion.chunk", created: 1, model: "bench", choices: [], usage: { prompt_tokens: 50, completion_tokens: tokens.length, total_tokens: 50 + tokens.length } })}\n\n`);
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function watchLongTasks(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    }).observe({ type: "longtask", buffered: true });
  });
}

const longTasks = (page: Page) => page.evaluate(() => (window as unknown as { __long: number[] }).__long.splice(0));

const results: Record<string, unknown> = { machine: `${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.platform()}`, date: new Date().toISOString() };
test.afterAll(() => {
  fs.mkdirSync("reports", { recursive: true });
  fs.writeFileSync("reports/chat-rendering.json", JSON.stringify(results, null, 2));
  console.log(JSON.stringify(results, null, 2));
});

/** A roundtable room with one agent on the `llama` alias (the paced server, when OpenRouter points at it). */
const benchRoom = (sql: Sql, userId: string) => roomWithAgents(sql, userId, "Bench room", [{ key: "bench", name: "Bench" }]);

test("streaming a 4,000-token answer at 30 ms a token", async ({ page, signedIn: user, sql, appSetting, openRouterAt }) => {
  test.setTimeout(400_000);
  const tokens = answerTokens();
  const server = await pacedServer(tokens);
  await appSetting("turns.max_output_tokens", 8000);
  await openRouterAt(server.baseURL);
  try {
    await watchLongTasks(page);
    const roomId = await benchRoom(sql, user.id);
    await page.goto(`/rooms/${roomId}`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const metric = async (name: string) => ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("Write the long rollout plan.");
    await longTasks(page);
    const scriptBefore = await metric("ScriptDuration");
    const taskBefore = await metric("TaskDuration");
    const started = Date.now();
    await box.press("Enter");
    const turn = page.getByTestId("turn").last();
    await expect(turn.getByTestId("turn-status")).toHaveText("Completed", { timeout: 300_000 });
    const wallMs = Date.now() - started;
    const scriptMs = (await metric("ScriptDuration")) - scriptBefore;
    const taskMs = (await metric("TaskDuration")) - taskBefore;
    const long = await longTasks(page);
    await expect(turn.locator(".md-code")).not.toHaveCount(0);
    results.streaming = {
      tokens: tokens.length,
      tokenMs: TOKEN_MS,
      firstTokensAtOnce: BURST,
      wallSeconds: +(wallMs / 1000).toFixed(1),
      longestTaskMs: long.length ? Math.round(Math.max(...long)) : 0,
      longTasksOver50ms: long.length,
      scriptingMs: Math.round(scriptMs),
      mainThreadBusyMs: Math.round(taskMs),
      busyShare: +(taskMs / wallMs).toFixed(3),
    };
  } finally {
    await server.close();
  }
});

test("a session of 2,000 messages: every page loaded by scrolling, then scrolled through", async ({ page, signedIn: user, sql }) => {
  test.setTimeout(400_000);
  const TURNS = 1000;
  const roomId = await benchRoom(sql, user.id);
  const sessionId = await seedLongSession(sql, user.id, roomId, {
    turns: TURNS,
    agent: { key: "bench", name: "Bench" },
    question: "Question number {n}: how does this part work?",
    answer: "Answer **{n}**: it works like this.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nconst n = {n};\nconsole.log(n * 2);\n```",
  });

  await watchLongTasks(page);
  const opened = Date.now();
  await page.goto(`/rooms/${roomId}?s=${sessionId}`);
  await expect(page.getByTestId("turn").last()).toContainText(`Question number ${TURNS}`);
  const firstPageMs = Date.now() - opened;
  const firstPageLong = await longTasks(page);

  // Scroll to the top until every page is there.
  const timeline = page.getByTestId("timeline");
  const loadStarted = Date.now();
  for (let i = 0; i < 200; i++) {
    const count = await page.getByTestId("turn").count();
    if (count >= TURNS) break;
    await timeline.evaluate((el) => (el.scrollTop = 0));
    await expect.poll(() => page.getByTestId("turn").count(), { timeout: 30_000 }).toBeGreaterThan(count);
  }
  await expect(page.getByTestId("turn")).toHaveCount(TURNS);
  const loadAllMs = Date.now() - loadStarted;
  const loadLong = await longTasks(page);

  // Scroll through all of it, bottom to top, 600 px a frame; frame times from requestAnimationFrame.
  const frames = await timeline.evaluate(async (el) => {
    el.scrollTop = el.scrollHeight;
    const times: number[] = [];
    let last = performance.now();
    while (el.scrollTop > 0) {
      el.scrollTop -= 600;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    times.sort((a, b) => a - b);
    return { frames: times.length, p50: times[Math.floor(times.length * 0.5)], p95: times[Math.floor(times.length * 0.95)], max: times.at(-1) };
  });
  const scrollLong = await longTasks(page);
  const domNodes = await page.evaluate(() => document.getElementsByTagName("*").length);
  results.longSession = {
    turns: TURNS,
    messages: TURNS * 2,
    firstPageMs,
    firstPageLongestTaskMs: Math.round(Math.max(0, ...firstPageLong)),
    loadAllPagesMs: loadAllMs,
    loadLongestTaskMs: Math.round(Math.max(0, ...loadLong)),
    scroll: { frames: frames.frames, p50Ms: Math.round(frames.p50 ?? 0), p95Ms: Math.round(frames.p95 ?? 0), maxMs: Math.round(frames.max ?? 0), longTasks: scrollLong.length, longestTaskMs: Math.round(Math.max(0, ...scrollLong)) },
    domNodes,
  };
});
