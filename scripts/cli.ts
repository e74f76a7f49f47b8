/**
 * `npm run pantheon -- <command>`: Pantheon from the command line (commands in cli/program.ts).
 * Settings are checked first, so an invalid one is reported by name rather than as a crash.
 */
import { loadSettingsOrExit } from "../src/server/load-settings.ts";

await loadSettingsOrExit();

const { run } = await import("./cli/program.ts");
await run(process.argv);

