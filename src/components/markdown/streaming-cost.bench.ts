/**
 * What streaming a 4,000-token answer costs the Markdown parser, with and without the block split:
 * `npx tsx src/components/markdown/streaming-cost.bench.ts`. Each "delta" appends one token; the
 * split parses only the last block again (the others are memoized by their text), the naive way
 * parses the whole message. Rendered with react-dom/server, so this is parse + highlight + React
 * element creation, without the DOM (docs/benchmarks.md, "Chat rendering").
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import { splitBlocks } from "./blocks.ts";

const section = (i: number) =>
  [
    `## Part ${i}`,
    "",
    `This part explains **step ${i}** of the rollout, with a few *details* and a [reference](https://example.com/${i}) to the docs, so that the paragraph is long enough to wrap.`,
    "",
    "- check the inputs and the limits",
    "- write the migration and its test",
    "",
    "| metric | before | after |",
    "|---|---:|---:|",
    `| p95 ms | ${100 + i} | ${60 + i} |`,
    "",
    "```ts",
    `export function step${i}(input: string): number {`,
    "  return input.split(',').filter(Boolean).length;",
    "}",
    "```",
    "",
  ].join("\n");

const tokens: string[] = [];
for (let i = 1; tokens.length < 4000; i++) tokens.push(...(section(i).match(/\S+\s*|\s+/g) ?? []));
tokens.length = 4000;

const render = (text: string) => renderToStaticMarkup(createElement(ReactMarkdown, { remarkPlugins: [remarkGfm], rehypePlugins: [[rehypeHighlight, { detect: false }]] }, text));

function run(label: string, perDelta: (text: string) => void) {
  const times: number[] = [];
  let text = "";
  for (const token of tokens) {
    text += token;
    const start = performance.now();
    perDelta(text);
    times.push(performance.now() - start);
  }
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`${label}: total ${Math.round(total)} ms over ${times.length} deltas; per delta p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms, p95 ${sorted[Math.floor(sorted.length * 0.95)]!.toFixed(2)} ms, last ${times.at(-1)!.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`);
}

// The split: only the last block is parsed per delta (the earlier ones are memoized components).
run("block split (last block only)", (text) => {
  const blocks = splitBlocks(text);
  render(blocks.at(-1) ?? "");
});
// Every 10th delta only for the naive way: it grows quadratically (the result is scaled).
{
  const times: number[] = [];
  let text = "";
  tokens.forEach((token, i) => {
    text += token;
    if (i % 10 !== 9) return;
    const start = performance.now();
    render(text);
    times.push(performance.now() - start);
  });
  const total = times.reduce((a, b) => a + b, 0) * 10;
  console.log(`whole message re-parsed per delta: about ${Math.round(total)} ms over 4000 deltas; last delta ${times.at(-1)!.toFixed(1)} ms`);
}
