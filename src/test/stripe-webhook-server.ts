/**
 * The webhook route's handler on a real local HTTP server, for tests: Stripe (or the fake) posts
 * to `url` exactly as it would to /api/stripe/webhook, with the raw body passed through untouched.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { PgBoss } from "pg-boss";
import type { Db } from "@/server/db.ts";
import { handleStripeWebhook } from "@/server/billing/webhook.ts";

export interface WebhookServer {
  url: string;
  close(): Promise<void>;
}

export async function startWebhookServer(deps: { db: Db; boss: PgBoss; secret: string | null }): Promise<WebhookServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, { method: req.method, headers, body: Buffer.concat(chunks) });
      handleStripeWebhook({ db: () => deps.db, boss: async () => deps.boss, secret: deps.secret }, request)
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch((error: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/stripe/webhook`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
