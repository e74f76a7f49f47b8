import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";

/** A fresh directory the `postgres` OS user can traverse (mkdtemp's 0700 would lock it out). */
export function makeTempDir(prefix: string): string {
  const dir = path.join(os.tmpdir(), `${prefix}-${process.pid}-${randomBytes(4).toString("hex")}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  return dir;
}
