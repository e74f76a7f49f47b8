/**
 * A tiny S3-compatible server for tests: path-style PUT, GET and DELETE of objects, kept in memory,
 * on a free loopback port. The real AWS SDK talks to it (S3_ENDPOINT + S3_FORCE_PATH_STYLE), so the
 * S3 store is tested through its real client, requests signed and all.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeS3 {
  endpoint: string;
  /** bucket/key → bytes */
  objects: Map<string, Buffer>;
  /** Every request, as "METHOD /bucket/key". */
  requests: string[];
  /** Answers every request with 503 while set (an unreachable store). */
  down: boolean;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function xmlError(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

export async function startFakeS3(): Promise<FakeS3> {
  const state: FakeS3 = { endpoint: "", objects: new Map(), requests: [], down: false, close: async () => undefined };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const [bucket, ...rest] = url.pathname.slice(1).split("/");
      const key = decodeURIComponent(rest.join("/"));
      state.requests.push(`${req.method} /${bucket}/${key}`);
      if (state.down) return xmlError(res, 503, "SlowDown", "Unavailable");
      if (!req.headers.authorization?.startsWith("AWS4-HMAC-SHA256")) return xmlError(res, 403, "AccessDenied", "Unsigned request");
      if (!bucket || !key) return xmlError(res, 400, "InvalidRequest", "Path-style bucket/key only");
      const id = `${bucket}/${key}`;
      if (req.method === "PUT") {
        const body = await readBody(req);
        if (req.headers["content-length"] !== undefined && Number(req.headers["content-length"]) !== body.length) {
          return xmlError(res, 400, "IncompleteBody", "Body shorter than Content-Length");
        }
        state.objects.set(id, body);
        res.writeHead(200, { etag: `"${body.length}"` });
        return res.end();
      }
      if (req.method === "GET") {
        const body = state.objects.get(id);
        if (!body) return xmlError(res, 404, "NoSuchKey", "The specified key does not exist.");
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length });
        return res.end(body);
      }
      if (req.method === "DELETE") {
        state.objects.delete(id);
        res.writeHead(204);
        return res.end();
      }
      xmlError(res, 405, "MethodNotAllowed", "Not supported here");
    })().catch((error: unknown) => xmlError(res, 500, "InternalError", String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
