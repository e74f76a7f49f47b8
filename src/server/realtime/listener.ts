/**
 * One LISTEN connection per process, fanned out to in-process subscribers. The worker publishes with
 * pg_notify (see publish.ts); every web process hears it, so this works with any number of replicas.
 * The connection is re-opened (and every channel re-LISTENed) when it drops, e.g. on a database restart.
 */
import pg from "pg";
import { resolveDatabaseUrl } from "../database-url.ts";
import { logger } from "../logger.ts";

type Handler = (payload: string) => void;

const log = logger.child({ component: "listener" });
const channelPattern = /^[a-z_][a-z0-9_]*$/;

export class PgListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  /** Per channel: resolves once LISTEN is active on the current connection. */
  private readonly listening = new Map<string, Promise<void>>();
  private closed = false;
  /**
   * Bumped each time the connection is lost: notifications sent until it is back were missed, so a
   * subscriber that sees it change must catch up from the table rather than trust the next notice.
   */
  epoch = 0;

  constructor(private readonly databaseUrl: string) {}

  /** Resolves once LISTEN is active, so a notification sent after it cannot be missed. */
  async subscribe(channel: string, handler: Handler): Promise<() => Promise<void>> {
    if (!channelPattern.test(channel)) throw new Error(`invalid channel name ${channel}`);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    try {
      await this.listen(channel);
    } catch (error) {
      set.delete(handler);
      throw error;
    }
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        this.listening.delete(channel);
        await this.client?.query(`UNLISTEN ${channel}`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** Every subscriber of a channel, even a concurrent second one, waits for the same LISTEN. */
  private listen(channel: string): Promise<void> {
    let pending = this.listening.get(channel);
    if (!pending) {
      pending = this.connect()
        .then(async (client) => void (await client.query(`LISTEN ${channel}`)))
        .catch((error: unknown) => {
          this.listening.delete(channel);
          throw error;
        });
      this.listening.set(channel, pending);
    }
    return pending;
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.databaseUrl, keepAlive: true });
    client.on("notification", (msg) => {
      for (const handler of this.handlers.get(msg.channel) ?? []) {
        try {
          handler(msg.payload ?? "");
        } catch (err) {
          log.error({ err, channel: msg.channel }, "notification handler failed");
        }
      }
    });
    const onLost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      this.epoch++;
      // New subscribers must wait for the reconnect, which LISTENs to every channel again.
      this.listening.clear();
      client.end().catch(() => undefined);
      if (this.closed) return;
      log.warn({ err }, "LISTEN connection lost; reconnecting");
      this.reconnect(250);
    };
    client.on("error", onLost);
    client.on("end", () => onLost());
    try {
      await client.connect();
      // After a reconnect, every channel that has subscribers is listened to again.
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  private reconnect(delayMs: number) {
    if (this.closed || this.handlers.size === 0) return;
    setTimeout(() => {
      this.connect().catch((err: unknown) => {
        log.warn({ err }, "LISTEN reconnect failed; retrying");
        this.reconnect(Math.min(delayMs * 2, 5000));
      });
    }, delayMs).unref();
  }
}

const globalForListener = globalThis as unknown as { pantheonListener?: PgListener };

export function getListener(): PgListener {
  globalForListener.pantheonListener ??= new PgListener(resolveDatabaseUrl());
  return globalForListener.pantheonListener;
}
