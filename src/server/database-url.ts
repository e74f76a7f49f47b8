/**
 * Where the database is. `DATABASE_URL` wins; without it, Pantheon uses the embedded cluster that
 * `npm start` / `npm run dev` created under PANTHEON_DATA_DIR, whose address is kept in a small file
 * there, so `npm run worker` and the operator CLI find it with no settings either.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "./env.ts";

export interface EmbeddedConnection {
  port: number;
  user: string;
  password: string;
  database: string;
}

export function embeddedPaths(dataDir = env.PANTHEON_DATA_DIR) {
  const root = path.resolve(dataDir);
  return {
    root,
    cluster: path.join(root, "postgres"),
    connectionFile: path.join(root, "postgres.json"),
    logFile: path.join(root, "postgres.log"),
  };
}

export function embeddedUrl(conn: EmbeddedConnection): string {
  return `postgresql://${encodeURIComponent(conn.user)}:${encodeURIComponent(conn.password)}@127.0.0.1:${conn.port}/${encodeURIComponent(conn.database)}`;
}

export function readEmbeddedConnection(dataDir = env.PANTHEON_DATA_DIR): EmbeddedConnection | null {
  try {
    return JSON.parse(fs.readFileSync(/*turbopackIgnore: true*/ embeddedPaths(dataDir).connectionFile, "utf8")) as EmbeddedConnection;
  } catch {
    return null;
  }
}

export function resolveDatabaseUrl(): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const conn = readEmbeddedConnection();
  if (!conn) {
    throw new Error(
      `DATABASE_URL is not set and there is no embedded database under ${embeddedPaths().root} yet. ` +
        "Run `npm start` (which creates it) or set DATABASE_URL.",
    );
  }
  return embeddedUrl(conn);
}
