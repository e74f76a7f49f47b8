import path from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

const roots = ["src", "scripts", "prisma"];
const integration = roots.map((root) => `${root}/**/*.integration.test.ts`);

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname, "src") } },
  test: {
    environment: "node",
    // The JSON report lets CI print one plain "N passed, N failed" line for both runners.
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A fixed key that seals only test data (provider keys saved by tests); web and worker
    // processes that tests start inherit it.
    env: { LOG_LEVEL: "warn", CHECKPOINT_DISABLE: "1", NEXT_TELEMETRY_DISABLED: "1", PANTHEON_ENCRYPTION_KEY: "kHBsZPUnzIohCPVnpvkxXchcyzkJf+pWlwRFG6eyxEQ=" },
    // Membership is by file name: `*.integration.test.ts` needs PostgreSQL (and maybe the Next
    // build); every other `*.test.ts` is a pure unit test and runs with no setup at all.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: roots.map((root) => `${root}/**/*.test.ts`),
          exclude: [...configDefaults.exclude, ...integration],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: integration,
          // Builds the app if stale and starts a fresh embedded PostgreSQL, once per run.
          globalSetup: ["src/test/global-setup.ts"],
        },
      },
    ],
  },
});
