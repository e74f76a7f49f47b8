/** A managed child's stdout through a line formatter (what `npm start` does with the web app's and worker's logs). */
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

it("each line the child prints goes through `lines`, in order, and stdout carries what it returns", async () => {
  // A parent that manages a child printing a log record and a banner, then waiting a moment.
  const parent = `
    const { startManaged } = await import(${JSON.stringify(path.join(root, "scripts/lib/processes.ts"))});
    const { logLineFormatter } = await import(${JSON.stringify(path.join(root, "scripts/lib/log-lines.ts"))});
    const child = startManaged("child", process.execPath, ["-e", ${JSON.stringify(
      `console.log(JSON.stringify({ level: 30, time: 0, pid: 1, to: "a@b.c", url: "http://x/cb?t=1", msg: "no EMAIL_SERVER set: sign-in link" })); console.log("banner"); setTimeout(() => {}, 200)`,
    )}], { lines: logLineFormatter({ pretty: false }) });
    await child.exited;
  `;
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", parent], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    p.stdout.on("data", (c: Buffer) => (text += c.toString()));
    p.once("error", reject);
    p.once("exit", () => resolve(text));
  });
  const lines = out.trimEnd().split("\n");
  expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "no EMAIL_SERVER set: sign-in link" });
  expect(lines.slice(1)).toEqual(["Sign-in link for a@b.c: http://x/cb?t=1", "banner"]);
});
