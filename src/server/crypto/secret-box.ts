/**
 * Secrets at rest (provider API keys): AES-256-GCM with a random 96-bit nonce, authenticated, from
 * PANTHEON_ENCRYPTION_KEY (32 bytes, base64 or hex). The stored text is `v1.<iv>.<tag>.<ciphertext>`
 * in base64url, so a later key scheme can be told apart. Decrypting with the wrong key fails loudly
 * (GCM's tag), never into garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "../env.ts";
import { AppError } from "../errors.ts";

const VERSION = "v1";

/** The key's bytes from its text form; null when it is not 32 bytes in base64, base64url or hex. */
export function parseEncryptionKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}

/**
 * PANTHEON_ENCRYPTION_KEY, or else the key `npm start` generated beside the embedded database (so a
 * worker or CLI started on its own against that database reads the same keys).
 */
function configuredKey(): Buffer {
  const file = path.join(path.resolve(env.PANTHEON_DATA_DIR), "encryption-key");
  const text = env.PANTHEON_ENCRYPTION_KEY ?? (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null);
  const key = text ? parseEncryptionKey(text) : null;
  if (!key) {
    throw new AppError(
      "encryption_key_missing",
      "This server cannot store API keys: set PANTHEON_ENCRYPTION_KEY (32 random bytes, e.g. `openssl rand -base64 32`). `npm start` generates one.",
    );
  }
  return key;
}

export function encryptSecret(plain: string, key: Buffer = configuredKey()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(".");
}

export function decryptSecret(sealed: string, key: Buffer = configuredKey()): string {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
}

/** What the UI shows of a saved key. */
export function lastFour(secret: string): string {
  return secret.slice(-4);
}
