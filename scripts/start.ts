/**
 * `npm start` (production build) and `npm run dev` (next dev, worker restarting on change).
 * One Ctrl-C or SIGTERM stops the web app, the worker and the embedded PostgreSQL, in that order.
 */
async function main() {
  const dev = process.argv.includes("--dev");
  // Imported here, not at the top, so an invalid setting is reported by the catch below.
  const { env } = await import("../src/server/env.ts");
  const { startStack } = await import("./lib/stack.ts");

  let stack: Awaited<ReturnType<typeof startStack>> | null = null;
  let signalled = false;
  const onSignal = async () => {
    if (signalled) return;
    signalled = true;
    await stack?.stop();
    process.exit(0);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);

  stack = await startStack({ dev, port: env.PORT });
  if (signalled) return void (await stack.stop());

  void stack.web.exited.then(async ({ code, signal }) => {
    if (signalled) return;
    console.error(`[pantheon] the web app exited (${signal ?? `code ${code}`}); stopping`);
    signalled = true;
    await stack?.stop();
    process.exit(1);
  });
  void stack.worker.exited.then(({ code, signal }) => {
    if (signalled) return;
    console.error(
      `[pantheon] the worker exited (${signal ?? `code ${code}`}). Turns will wait in the queue until a worker runs: ` +
        "start one with `npm run worker`. The web app keeps running.",
    );
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error && error.name === "InvalidEnvError" ? error.message : error);
  process.exit(1);
});
