/**
 * For process entry points: loads and validates the settings before anything else, so an invalid
 * value stops the process with a message naming the variable instead of a stack trace.
 */
export async function loadSettingsOrExit(): Promise<void> {
  try {
    await import("./env.ts");
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
