import { describe, expect, it } from "vitest";
import { logLineFormatter } from "./log-lines.ts";

const record = (fields: Record<string, unknown>) => JSON.stringify({ level: 30, time: Date.UTC(2026, 11, 2, 14, 5, 9), pid: 4242, hostname: "box", ...fields });
const signIn = record({ component: "sign-in-email", to: "a@b.c", url: "http://localhost:3000/api/auth/callback/email?token=t1", msg: "no EMAIL_SERVER set: sign-in link (also on /dev/outbox)" });

describe("logLineFormatter", () => {
  it("on a terminal: one human-readable line per record, without pid or hostname", () => {
    const format = logLineFormatter({ pretty: true });
    const [line, ...rest] = format(record({ component: "turn", turnId: "t-1", msg: "turn started" }));
    expect(rest).toEqual([]);
    expect(line).toMatch(/^\[\d{2}:\d{2}:\d{2}\] INFO: turn started/);
    expect(line).toContain('"turnId":"t-1"');
    expect(line).not.toMatch(/4242|box|\n/);
  });

  it("elsewhere: the JSON line unchanged", () => {
    const line = record({ msg: "hello" });
    expect(logLineFormatter({ pretty: false })(line)).toEqual([line]);
  });

  it("prints a sign-in link also as a plain line of its own, in either mode", () => {
    for (const pretty of [true, false]) {
      const lines = logLineFormatter({ pretty })(signIn);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe("Sign-in link for a@b.c: http://localhost:3000/api/auth/callback/email?token=t1");
    }
  });

  it("passes lines that are not log records through", () => {
    const format = logLineFormatter({ pretty: true });
    for (const line of ["   ▲ Next.js 16.0.0", "{not json", '{"no":"level"}', ""]) expect(format(line)).toEqual([line]);
  });
});
