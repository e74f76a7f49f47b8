/**
 * The whole e-mail sign-in through the real built app and a real SMTP server (smtp-server): ask for
 * a link, receive it, open it, use the session, sign out, and find the old cookie dead. Also the
 * per-email limit on sign-in attempts.
 */
import { randomBytes } from "node:crypto";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database.ts";
import { freePort } from "@/test/free-port.ts";
import { waitFor } from "@/test/wait-for.ts";
import { startWeb, type WebProcess } from "@/test/web-process.ts";

let t: TestDatabase;
let smtp: SMTPServer;
let web: WebProcess | undefined;
let base: string;
const inbox: ParsedMail[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => inbox.push(mail))
        .then(() => callback(), callback);
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((resolve) => smtp.listen(smtpPort, "127.0.0.1", resolve));

  web = await startWeb(t.url, { EMAIL_SERVER: `smtp://127.0.0.1:${smtpPort}`, SIGNIN_LIMIT_PER_EMAIL: "3" });
  base = web.base;
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await t.drop();
});

/** A minimal cookie jar: enough for NextAuth's csrf and session cookies. */
class Jar {
  private cookies = new Map<string, string>();
  store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, ...value] = pair!.split("=");
      this.cookies.set(name!.trim(), value.join("="));
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  get(name: string) {
    return this.cookies.get(name);
  }
}

async function requestLink(jar: Jar, email: string) {
  const csrfRes = await fetch(`${base}/api/auth/csrf`, { headers: { cookie: jar.header() } });
  jar.store(csrfRes);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/signin/email`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(), "x-auth-return-redirect": "1" },
    body: new URLSearchParams({ email, csrfToken, callbackUrl: `${base}/account`, json: "true" }),
    redirect: "manual",
  });
  jar.store(res);
  return res;
}

const me = (cookie: string) => fetch(`${base}/api/trpc/auth.me`, { headers: { cookie } });

it("signs in with the link received over SMTP, and signing out kills the old cookie", async () => {
  const email = `smtp-${randomBytes(4).toString("hex")}@example.com`;
  const jar = new Jar();
  const asked = await requestLink(jar, email);
  expect(asked.status).toBe(200);

  const mail = await waitFor("the sign-in e-mail", () => inbox.find((m) => m.text?.includes(encodeURIComponent(email))), 15_000);
  const link = /https?:\/\/\S+\/api\/auth\/callback\/email\S+/.exec(mail.text ?? "")?.[0];
  expect(link, mail.text).toBeDefined();

  const opened = await fetch(link!, { headers: { cookie: jar.header() }, redirect: "manual" });
  expect(opened.status).toBe(302);
  expect(opened.headers.get("location")).toBe(`${base}/account`);
  jar.store(opened);
  const sessionToken = jar.get("next-auth.session-token");
  expect(sessionToken).toBeTruthy();

  const signedIn = await me(jar.header());
  expect(signedIn.status).toBe(200);
  expect(await signedIn.text()).toContain(email);

  // The link works once.
  const reused = await fetch(link!, { redirect: "manual" });
  expect(reused.headers.get("location")).toContain("error=Verification");

  const csrf = (await (await fetch(`${base}/api/auth/csrf`, { headers: { cookie: jar.header() } })).json()) as { csrfToken: string };
  const oldCookie = `next-auth.session-token=${sessionToken}`;
  const out = await fetch(`${base}/api/auth/signout`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({ csrfToken: csrf.csrfToken, json: "true" }),
    redirect: "manual",
  });
  expect(out.status).toBeLessThan(400);
  expect((await me(oldCookie)).status).toBe(401);
}, 60_000);

it("limits sign-in attempts per e-mail address, however the address is spelled", async () => {
  const id = randomBytes(4).toString("hex");
  const spellings = [`limited-${id}@example.com`, `LIMITED-${id}@Example.com`, ` limited-${id}@example.com `, `limited-${id}@EXAMPLE.COM`];
  const urls = [];
  for (const email of spellings) urls.push(((await (await requestLink(new Jar(), email)).json()) as { url: string }).url);
  expect(urls.slice(0, 3).every((u) => !u.includes("error="))).toBe(true);
  // Absolute, so next-auth's client can parse it, with the wait.
  expect(urls[3]).toMatch(/^http:\/\/localhost:\d+\/signin\?error=RateLimited&retryAfter=\d+$/);
  expect(inbox.filter((m) => m.to && JSON.stringify(m.to).includes(`limited-${id}@example.com`))).toHaveLength(3);
}, 60_000);

it("refuses a sign-in e-mail to a suspended account, with an error the sign-in page shows", async () => {
  const email = `suspended-${randomBytes(4).toString("hex")}@example.com`;
  await t.db.user.create({ data: { email, status: "suspended" } });
  const before = inbox.length;
  const res = await requestLink(new Jar(), email);
  expect(((await res.json()) as { url: string }).url).toBe(`${base}/signin?error=AccountSuspended`);
  expect(inbox.length).toBe(before);
}, 60_000);

it("sends nothing for an address list or display name", async () => {
  const before = inbox.length;
  const res = await requestLink(new Jar(), "victim@example.com,attacker@example.com");
  expect(((await res.json()) as { url: string }).url).toContain("error=");
  expect(inbox.length).toBe(before);
}, 60_000);
