import { expect, it } from "vitest";
import { databaseForThisFile } from "@/test/database.ts";
import { hitRateLimit } from "./rate-limit.ts";

const t = databaseForThisFile();

it("allows up to the limit in a window, then refuses with the time left", async () => {
  const results = [];
  for (let i = 0; i < 4; i++) results.push(await hitRateLimit(t.db, "test:sequential", 3, 600));
  expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
  expect(results[3]!.retryAfterSeconds).toBeGreaterThan(0);
  expect(results[3]!.retryAfterSeconds).toBeLessThanOrEqual(600);
  expect((await hitRateLimit(t.db, "test:other-key", 3, 600)).allowed).toBe(true);
});

it("never lets more than the limit through under concurrency (shared by every process)", async () => {
  const results = await Promise.all(Array.from({ length: 25 }, () => hitRateLimit(t.db, "test:concurrent", 5, 600)));
  expect(results.filter((r) => r.allowed)).toHaveLength(5);
  expect(new Set(results.map((r) => r.count)).size).toBe(25);
});
