import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  { ignores: ["node_modules/", ".tools/", ".next/", ".pantheon/", "src/generated/", "test-results/", "playwright-report/", "next-env.d.ts"] },
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // Playwright fixtures call `use`, which is not React's hook.
    files: ["e2e/**/*.ts"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  {
    // Domain code stays framework-free so routers, jobs and scripts can all call it.
    files: ["src/server/domain/**/*.ts", "src/server/jobs/**/*.ts", "src/server/realtime/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["@trpc/*", "next", "next/*", "server-only"] }],
    },
  },
];

export default config;
