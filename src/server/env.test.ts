import { describe, expect, it } from "vitest";
import { InvalidEnvError, parseEnv } from "./env.ts";

describe("parseEnv", () => {
  it("works with no settings at all (embedded database, offline defaults)", () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PORT).toBe(3000);
    expect(env.PANTHEON_DATA_DIR).toBe(".pantheon");
    expect(env.PGBOSS_LISTEN_NOTIFY).toBe(true);
    expect(env.PANTHEON_URL).toBe("http://localhost:3000");
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).DATABASE_URL).toBeUndefined();
  });

  it("coerces and validates values", () => {
    const env = parseEnv({ PORT: "8080", PGBOSS_LISTEN_NOTIFY: "false", DATABASE_URL: "postgres://u:p@db:5432/x" });
    expect(env.PORT).toBe(8080);
    expect(env.PGBOSS_LISTEN_NOTIFY).toBe(false);
    expect(env.DATABASE_URL).toBe("postgres://u:p@db:5432/x");
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://localhost/x"],
    ["DATABASE_URL", "not a url"],
    ["LOG_LEVEL", "loud"],
    ["PGBOSS_SCHEMA", "Bad-Schema"],
    ["PGBOSS_LISTEN_NOTIFY", "maybe"],
  ])("rejects %s=%s with a message that names the variable", (variable, value) => {
    let error: unknown;
    try {
      parseEnv({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEnvError);
    expect((error as InvalidEnvError).issues.map((i) => i.variable)).toEqual([variable]);
    expect((error as Error).message).toContain(`${variable}:`);
  });

  it("reports every bad variable at once", () => {
    expect(() => parseEnv({ PORT: "x", LOG_LEVEL: "y" })).toThrow(/PORT:[\s\S]*LOG_LEVEL:|LOG_LEVEL:[\s\S]*PORT:/);
  });
});
