import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname, "src") } },
  test: {
    include: ["src/**/*.test.ts", "scripts/**/*.test.ts", "prisma/**/*.test.ts"],
    globalSetup: ["src/test/global-setup.ts"],
    environment: "node",
    // The JSON report lets CI print one plain "N passed, N failed" line for both runners.
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { LOG_LEVEL: "warn", CHECKPOINT_DISABLE: "1", NEXT_TELEMETRY_DISABLED: "1" },
  },
});
