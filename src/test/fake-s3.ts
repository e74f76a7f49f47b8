/**
 * A tiny S3-compatible server for tests: path-style PUT, GET and DELETE of objects and ListObjectsV2
 * (paged by `max-keys`, else `listPageSize`), kept in memory,
 * on a free loopback port. The real AWS SDK talks to it (S3_ENDPOINT + S3_FORCE_PATH_STYLE), so the
 * S3 store is tested through its real client, requests signed and all.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeS3 {
  endpoint: string;
  /** bucket/key → bytes and when they were written (tests may move it back) */
  objects: Map<string, { body: Buffer; modifiedAt: Date }>;
  /** Every request, as "METHOD /bucket/key". */
  requests: string[];
  /** Keys per ListObjectsV2 page when the client names no `max-keys` (S3's is 1000). */
  listPageSize: number;
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

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** One page of a bucket's keys in order; the continuation token is the last key of the page before. */
function listObjects(res: ServerResponse, state: FakeS3, bucket: string, params: URLSearchParams) {
  const maxKeys = Number(params.get("max-keys") ?? state.listPageSize);
  const after = params.get("continuation-token") ?? params.get("start-after") ?? "";
  const keys = [...state.objects.keys()]
    .filter((id) => id.startsWith(`${bucket}/`))
    .map((id) => id.slice(bucket.length + 1))
    .filter((key) => key > after)
    .sort();
  const page = keys.slice(0, maxKeys);
  const truncated = keys.length > page.length;
  const contents = page
    .map((key) => {
      const object = state.objects.get(`${bucket}/${key}`)!;
      return `<Contents><Key>${escapeXml(key)}</Key><LastModified>${object.modifiedAt.toISOString()}</LastModified><Size>${object.body.length}</Size></Contents>`;
    })
    .join("");
  res.writeHead(200, { "content-type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
      `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${escapeXml(page.at(-1)!)}</NextContinuationToken>` : ""}${contents}</ListBucketResult>`,
  );
}

export async function startFakeS3(): Promise<FakeS3> {
  const state: FakeS3 = { endpoint: "", objects: new Map(), requests: [], listPageSize: 1000, down: false, close: async () => undefined };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const [bucket, ...rest] = url.pathname.slice(1).split("/");
      const key = decodeURIComponent(rest.join("/"));
      state.requests.push(`${req.method} /${bucket}/${key}`);
      if (state.down) return xmlError(res, 503, "SlowDown", "Unavailable");
      if (!req.headers.authorization?.startsWith("AWS4-HMAC-SHA256")) return xmlError(res, 403, "AccessDenied", "Unsigned request");
      if (bucket && !key && req.method === "GET" && url.searchParams.get("list-type") === "2") return listObjects(res, state, bucket, url.searchParams);
      if (!bucket || !key) return xmlError(res, 400, "InvalidRequest", "Path-style bucket/key only");
      const id = `${bucket}/${key}`;
      if (req.method === "PUT") {
        const body = await readBody(req);
        if (req.headers["content-length"] !== undefined && Number(req.headers["content-length"]) !== body.length) {
          return xmlError(res, 400, "IncompleteBody", "Body shorter than Content-Length");
        }
        state.objects.set(id, { body, modifiedAt: new Date() });
        res.writeHead(200, { etag: `"${body.length}"` });
        return res.end();
      }
      if (req.method === "GET") {
        const body = state.objects.get(id)?.body;
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
