/**
 * Prints one plain line, "N passed, N failed", from the vitest and Playwright JSON reports that
 * `npm test` writes to reports/. CI reads it; people can read the runners' own output above it.
 */
import fs from "node:fs";

function read<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

const vitest = read<{ numPassedTests: number; numFailedTests: number; numPendingTests: number }>("reports/vitest.json");
const playwright = read<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>("reports/playwright.json");

if (!vitest || !playwright) {
  console.log(`tests: report missing (${!vitest ? "vitest" : ""} ${!playwright ? "playwright" : ""})`.trim());
  process.exit(1);
}

const passed = vitest.numPassedTests + playwright.stats.expected + playwright.stats.flaky;
const failed = vitest.numFailedTests + playwright.stats.unexpected;
const skipped = vitest.numPendingTests + playwright.stats.skipped;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
