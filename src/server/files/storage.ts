/**
 * Where uploaded files' bytes live (PRODUCT.md 8), behind one small interface: the local disk under
 * `PANTHEON_DATA_DIR/files/` by default, or an S3-compatible bucket when `S3_BUCKET` is set. Object
 * keys are file ids (never the name a user gave), checked here so no key can reach outside its
 * folder or bucket prefix.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { env, type Env } from "../env.ts";

export interface FileStorage {
  readonly kind: "local" | "s3";
  /** Stores `size` bytes under `key`, from a file on disk or a stream; replaces what was there. */
  put(key: string, source: string | Readable, size: number): Promise<void>;
  /** The object's bytes; `StoredObjectMissing` when there is none. */
  get(key: string): Promise<Readable>;
  /** Removes the object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** Every stored object, in no particular order (for the sweep of objects no file owns). */
  list(): AsyncIterable<StoredObject>;
}

export interface StoredObject {
  key: string;
  modifiedAt: Date;
}

/** Asked for an object that is not stored (deleted, or never written). */
export class StoredObjectMissing extends Error {
  constructor(readonly key: string) {
    super(`No stored object ${key}`);
    this.name = "StoredObjectMissing";
  }
}

// File ids are UUIDs; anything else (a slash, "..") is a bug upstream, refused before any I/O.
const KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`Not a storage key: ${JSON.stringify(key)}`);
  return key;
}

const sourceStream = (source: string | Readable) => (typeof source === "string" ? fs.createReadStream(source) : source);

/** Files in one folder, each written to a temporary name and renamed, so a reader never sees half a file. */
export function localStorage(root: string): FileStorage {
  const dir = path.resolve(root);
  const at = (key: string) => path.join(dir, checkKey(key));
  return {
    kind: "local",
    async put(key, source, size) {
      const target = at(key);
      await fs.promises.mkdir(dir, { recursive: true });
      const partial = `${target}.partial-${randomBytes(4).toString("hex")}`;
      try {
        await pipeline(sourceStream(source), fs.createWriteStream(partial, { mode: 0o600 }));
        const written = (await fs.promises.stat(partial)).size;
        if (written !== size) throw new Error(`stored ${written} bytes for ${key}, expected ${size}`);
        await fs.promises.rename(partial, target);
      } catch (error) {
        await fs.promises.rm(partial, { force: true });
        throw error;
      }
    },
    async get(key) {
      try {
        const handle = await fs.promises.open(at(key), "r");
        return handle.createReadStream();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new StoredObjectMissing(key);
        throw error;
      }
    },
    async delete(key) {
      await fs.promises.rm(at(key), { force: true });
    },
    async *list() {
      const names = await fs.promises.readdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return [];
        throw error;
      });
      for (const name of names) {
        // Partial writes in progress (or left by a crash) are not objects.
        if (!KEY.test(name)) continue;
        const stat = await fs.promises.stat(path.join(dir, name)).catch(() => null);
        if (stat?.isFile()) yield { key: name, modifiedAt: stat.mtime };
      }
    },
  };
}

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
}

/** An S3-compatible bucket (AWS, MinIO, R2, …): one object per file, named by its id. */
export function s3Storage(options: S3StorageOptions): FileStorage {
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
    // Checksums only where the operation requires them: the SDK's default (a CRC trailer on every
    // upload, in aws-chunked encoding) is refused by several S3-compatible stores.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 3,
  });
  const Bucket = options.bucket;
  return {
    kind: "s3",
    async put(key, source, size) {
      await client.send(new PutObjectCommand({ Bucket, Key: checkKey(key), Body: sourceStream(source), ContentLength: size }));
    },
    async get(key) {
      try {
        const { Body } = await client.send(new GetObjectCommand({ Bucket, Key: checkKey(key) }));
        if (!(Body instanceof Readable)) throw new Error(`S3 returned no body for ${key}`);
        return Body;
      } catch (error) {
        if (error instanceof S3ServiceException && (error.name === "NoSuchKey" || error.$metadata.httpStatusCode === 404)) throw new StoredObjectMissing(key);
        throw error;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: checkKey(key) }));
    },
    async *list() {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, ContinuationToken }));
        for (const object of page.Contents ?? []) {
          if (object.Key && object.LastModified) yield { key: object.Key, modifiedAt: object.LastModified };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
  };
}

/** The store the settings choose: S3 when S3_BUCKET is set, else the local disk. */
export function storageFromEnv(settings: Env = env): FileStorage {
  if (settings.S3_BUCKET) {
    return s3Storage({
      bucket: settings.S3_BUCKET,
      region: settings.S3_REGION,
      endpoint: settings.S3_ENDPOINT,
      accessKeyId: settings.S3_ACCESS_KEY_ID,
      secretAccessKey: settings.S3_SECRET_ACCESS_KEY,
      forcePathStyle: settings.S3_FORCE_PATH_STYLE,
    });
  }
  return localStorage(path.join(settings.PANTHEON_DATA_DIR, "files"));
}

const globalForStorage = globalThis as unknown as { pantheonStorage?: FileStorage };

/** The process-wide store. */
export function getStorage(): FileStorage {
  globalForStorage.pantheonStorage ??= storageFromEnv();
  return globalForStorage.pantheonStorage;
}

/** Replaces the process-wide store: for tests that run the API in-process against a store of their own. */
export function setStorage(storage: FileStorage): void {
  globalForStorage.pantheonStorage = storage;
}
