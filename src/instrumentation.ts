/**
 * Runs once when a Next.js server process starts. The Node.js part lives in its own module so the
 * Edge build never sees it.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./instrumentation-node.ts");
}
