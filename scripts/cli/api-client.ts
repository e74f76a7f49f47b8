/** A typed tRPC client for scripts (the CLI, the benchmarks): queries and mutations over HTTP, subscriptions over SSE. */
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource } from "eventsource";
import superjson from "superjson";
import type { AppRouter } from "../../src/server/api/root.ts";

export type ApiClient = ReturnType<typeof apiClient>;

export function apiClient(baseUrl: string, token: string | undefined) {
  const url = new URL("/api/trpc", baseUrl).toString();
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        // Node has no global EventSource without a flag; this one lets the token ride along as a header.
        true: httpSubscriptionLink({
          url,
          transformer: superjson,
          EventSource,
          eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...auth } }) },
        }),
        false: httpLink({ url, transformer: superjson, headers: () => auth }),
      }),
    ],
  });
}
