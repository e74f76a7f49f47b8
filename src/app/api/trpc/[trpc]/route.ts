import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root.ts";
import { createTRPCContext } from "@/server/api/trpc.ts";
import { corsHeaders, preflightResponse } from "@/server/http/origins.ts";

export const dynamic = "force-dynamic";

async function handler(req: Request) {
  const response = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers }),
  });
  for (const [key, value] of Object.entries(corsHeaders(req.headers.get("origin")))) {
    if (key === "Vary") response.headers.append(key, value);
    else response.headers.set(key, value);
  }
  return response;
}

/** CORS preflight: allow headers only for origins listed in CORS_ORIGINS. */
export function OPTIONS(req: Request) {
  return preflightResponse(req);
}

export { handler as GET, handler as POST };
