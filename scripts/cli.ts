/**
 * `npm run pantheon -- <command>`: Pantheon from the command line (commands in cli/program.ts).
 * Settings are checked first, so an invalid one is reported by name rather than as a crash.
 */
try {
  await import("../src/server/env.ts");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const { run } = await import("./cli/program.ts");
await run(process.argv);

export {};
