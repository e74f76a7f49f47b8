/**
 * The magic-link e-mail. With EMAIL_SERVER set it goes out over SMTP (nodemailer); without it, the
 * link is logged and kept in the development outbox (/dev/outbox), so sign-in works offline.
 */
import nodemailer from "nodemailer";
import type { Db } from "../db.ts";
import { env } from "../env.ts";
import { logger } from "../logger.ts";

const log = logger.child({ component: "sign-in-email" });

export function signInEmailText(url: string, host: string) {
  return {
    subject: `Sign in to Pantheon (${host})`,
    text: `Sign in to Pantheon by opening this link:\n\n${url}\n\nIt works once and expires in 24 hours. If you did not ask for it, ignore this e-mail.\n`,
    html: `<p>Sign in to Pantheon by opening this link:</p><p><a href="${url}">Sign in to ${host}</a></p><p>It works once and expires in 24 hours. If you did not ask for it, ignore this e-mail.</p>`,
  };
}

export async function sendSignInEmail(db: Db, params: { identifier: string; url: string }): Promise<void> {
  const { host } = new URL(params.url);
  const message = signInEmailText(params.url, host);
  if (env.EMAIL_SERVER) {
    const transport = nodemailer.createTransport(env.EMAIL_SERVER);
    const result = await transport.sendMail({ to: params.identifier, from: env.EMAIL_FROM, ...message });
    const failed = [...result.rejected, ...(result.pending ?? [])];
    if (failed.length) throw new Error(`The sign-in e-mail could not be sent to ${failed.join(", ")}`);
    return;
  }
  // A magic link signs its holder in: without SMTP it is kept and logged only where the outbox is
  // enabled (development, a local `npm start`, or explicitly).
  if (!outboxEnabled()) {
    throw new Error("EMAIL_SERVER is not set, so sign-in e-mails cannot be sent (see .env.example)");
  }
  await db.authOutbox.create({ data: { recipient: params.identifier, subject: message.subject, url: params.url } });
  log.info({ to: params.identifier, url: params.url }, "no EMAIL_SERVER set: sign-in link (also on /dev/outbox)");
}

/** The outbox page exists in development, or in production when AUTH_DEV_OUTBOX is on. */
export function outboxEnabled(): boolean {
  return env.NODE_ENV !== "production" || env.AUTH_DEV_OUTBOX;
}
