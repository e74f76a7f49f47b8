/**
 * Both stores through one contract: the local disk, and S3 through the real AWS SDK against a small
 * fake S3 server on loopback (path style, signed requests).
 */
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeS3, type FakeS3 } from "@/test/fake-s3.ts";
import { makeTempDir } from "@/test/temp-dir.ts";
import { parseEnv } from "../env.ts";
import { localStorage, s3Storage, storageFromEnv, StoredObjectMissing, type FileStorage } from "./storage.ts";

const dir = makeTempDir("storage");
let s3: FakeS3;

beforeAll(async () => {
  s3 = await startFakeS3();
});
afterAll(async () => {
  await s3.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const s3Options = () => ({ bucket: "pantheon-files", region: "us-east-1", endpoint: s3.endpoint, accessKeyId: "test", secretAccessKey: "test-secret", forcePathStyle: true });

const stores: [string, () => FileStorage][] = [
  ["local", () => localStorage(path.join(dir, "files"))],
  ["s3", () => s3Storage(s3Options())],
];

describe.each(stores)("%s store", (_name, make) => {
  it("puts from a path and from a stream, gets the bytes back, deletes", async () => {
    const store = make();
    const source = path.join(dir, "source.txt");
    fs.writeFileSync(source, "from a file on disk");
    await store.put("9b2f0c1e-0000-4000-8000-000000000001", source, 19);
    expect(await text(await store.get("9b2f0c1e-0000-4000-8000-000000000001"))).toBe("from a file on disk");

    const bytes = Buffer.from("from a stream ✓");
    await store.put("9b2f0c1e-0000-4000-8000-000000000002", Readable.from([bytes]), bytes.length);
    expect(await text(await store.get("9b2f0c1e-0000-4000-8000-000000000002"))).toBe("from a stream ✓");

    await store.delete("9b2f0c1e-0000-4000-8000-000000000001");
    await expect(store.get("9b2f0c1e-0000-4000-8000-000000000001")).rejects.toBeInstanceOf(StoredObjectMissing);
    // Deleting what is not there is fine.
    await store.delete("9b2f0c1e-0000-4000-8000-000000000001");
  });

  it("lists every stored object with when it was written", async () => {
    const store = make();
    const keys = Array.from({ length: 5 }, (_, i) => `list-${i}`);
    for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]), key.length);
    const listed = [];
    for await (const object of store.list()) listed.push(object);
    const mine = listed.filter((o) => o.key.startsWith("list-"));
    expect(mine.map((o) => o.key).sort()).toEqual(keys);
    for (const o of mine) expect(Date.now() - o.modifiedAt.getTime()).toBeLessThan(60_000);
    for (const key of keys) await store.delete(key);
  });

  it("refuses keys that are not ids before any I/O", async () => {
    const store = make();
    for (const key of ["../etc/passwd", "a/b", "", ".hidden"]) await expect(store.put(key, Readable.from(["x"]), 1)).rejects.toThrow(/Not a storage key/);
  });
});

it("the local store keeps objects under their id and leaves no partial file behind a failed put", async () => {
  const root = path.join(dir, "local-only");
  const store = localStorage(root);
  await store.put("f1", Readable.from([Buffer.from("abc")]), 3);
  expect(fs.readdirSync(root)).toEqual(["f1"]);
  await expect(store.put("f2", Readable.from([Buffer.from("abc")]), 4)).rejects.toThrow(/expected 4/);
  expect(fs.readdirSync(root)).toEqual(["f1"]);
});

it("the S3 store talks path style to the bucket, objects named by id", async () => {
  s3.requests.length = 0;
  const store = s3Storage(s3Options());
  await store.put("abc-123", Readable.from([Buffer.from("hello")]), 5);
  await text(await store.get("abc-123"));
  await store.delete("abc-123");
  expect(s3.requests).toEqual(["PUT /pantheon-files/abc-123", "GET /pantheon-files/abc-123", "DELETE /pantheon-files/abc-123"]);
});

it("the S3 store follows the listing's pages", async () => {
  const store = s3Storage({ ...s3Options(), bucket: "paged" });
  for (let i = 0; i < 7; i++) await store.put(`p${i}`, Readable.from([Buffer.from("x")]), 1);
  s3.listPageSize = 3;
  s3.requests.length = 0;
  try {
    const keys = [];
    for await (const object of store.list()) keys.push(object.key);
    expect(keys).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    expect(s3.requests.filter((r) => r.startsWith("GET /paged/"))).toHaveLength(3);
  } finally {
    s3.listPageSize = 1000;
  }
});

it("the local store does not list partial writes", async () => {
  const root = path.join(dir, "partials");
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, "abc.partial-1234"), "half");
  const store = localStorage(root);
  await store.put("abc", Readable.from([Buffer.from("whole")]), 5);
  const keys = [];
  for await (const object of store.list()) keys.push(object.key);
  expect(keys).toEqual(["abc"]);
});

it("an unreachable S3 store is an error (retried by the caller), not a missing object", async () => {
  const store = s3Storage(s3Options());
  await store.put("up-then-down", Readable.from([Buffer.from("x")]), 1);
  s3.down = true;
  try {
    const error = await store.get("up-then-down").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoredObjectMissing);
  } finally {
    s3.down = false;
  }
});

it("the settings choose the store: S3 when S3_BUCKET is set, else the disk under PANTHEON_DATA_DIR", () => {
  expect(storageFromEnv(parseEnv({ PANTHEON_DATA_DIR: dir })).kind).toBe("local");
  expect(storageFromEnv(parseEnv({ S3_BUCKET: "b", S3_ENDPOINT: "http://127.0.0.1:9", S3_FORCE_PATH_STYLE: "true" })).kind).toBe("s3");
});
