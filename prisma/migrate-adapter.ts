/**
 * The pg driver adapter as Prisma's WASM schema engine (`engine: "js"`) needs it for migrations.
 *
 * Prisma 7's native schema engine cannot be installed offline, so Prisma 6's JS path is used, and
 * that path has bugs this file works around (all upstream in prisma/prisma):
 * - catalog columns of type `name` and `"char"` cannot be deserialized (issue 27403): `name` is
 *   reported as text and `"char"` as a character, which is what their values already are;
 * - with a single `connectionString`, the shadow database silently becomes the main database:
 *   the config is always split into host, port, user, password and database;
 * - the shadow database is dropped while its pool is still open: it is dropped `WITH (FORCE)`
 *   after the pool is closed;
 * - idle pool timers keep the CLI alive ~10 s at exit: `allowExitOnIdle`;
 * - a migration script is split at every semicolon, even inside quotes and function bodies (so no
 *   trigger function could be written): the whole script is sent at once instead, and PostgreSQL's
 *   simple query protocol runs its statements in order, as one implicit transaction.
 */
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";

const PG_NAME_OID = 19;
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
/** ColumnTypeEnum.Character in @prisma/driver-adapter-utils: what the engine reads `"char"` as. */
const COLUMN_TYPE_CHARACTER = 6;

type Query = object;
// A multi-statement script (executeRaw of a migration) yields several results and no `fields`.
type IOResult = { fields?: { dataTypeID: number }[] };
type Queryable = {
  performIO: (query: Query) => Promise<IOResult>;
  queryRaw: (query: Query) => Promise<{ columnTypes: number[] }>;
};

/**
 * Patches one queryable (adapter or transaction): `name` columns are read as text, and `"char"`
 * columns (e.g. pg_constraint.contype) as the single characters the schema engine expects.
 */
function readCatalogTypes<T extends object>(queryable: T): T {
  const target = queryable as unknown as Queryable;
  const performIO = target.performIO.bind(queryable);
  const queryRaw = target.queryRaw.bind(queryable);
  // queryRaw hands the same query object to performIO, so it keys what performIO found.
  const charColumns = new WeakMap<Query, number[]>();
  target.performIO = async (query) => {
    const result = await performIO(query);
    const chars: number[] = [];
    result.fields?.forEach((field, i) => {
      if (field.dataTypeID === PG_CHAR_OID) chars.push(i);
      if (field.dataTypeID === PG_NAME_OID || field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    });
    if (chars.length) charColumns.set(query, chars);
    return result;
  };
  target.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(query) ?? []) result.columnTypes[i] = COLUMN_TYPE_CHARACTER;
    return result;
  };
  return queryable;
}

function splitConnectionString(url: string): pg.PoolConfig {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname),
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
    ssl: ["require", "verify-full", "verify-ca"].includes(parsed.searchParams.get("sslmode") ?? "")
      ? { rejectUnauthorized: parsed.searchParams.get("sslmode") !== "require" }
      : undefined,
    allowExitOnIdle: true,
    idleTimeoutMillis: 200,
  };
}

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;

/** Runs a script as PostgreSQL parses it rather than split at each semicolon by the adapter. */
function wholeScripts(adapter: Adapter): Adapter {
  const target = adapter as unknown as { client: pg.Pool; onError: (error: unknown) => never };
  adapter.executeScript = async (script) => {
    try {
      await target.client.query(script);
    } catch (error) {
      target.onError(error);
    }
  };
  return adapter;
}

function patchAdapter(adapter: Adapter): Adapter {
  readCatalogTypes(adapter);
  wholeScripts(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => readCatalogTypes(await startTransaction(isolationLevel));
  return adapter;
}

class MigratePg extends PrismaPg {
  constructor(private readonly poolConfig: pg.PoolConfig) {
    super(poolConfig);
  }

  override async connect() {
    return patchAdapter(await super.connect());
  }

  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = patchAdapter(await new PrismaPg({ ...this.poolConfig, database }).connect());
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await main.dispose();
    };
    return shadow;
  }
}

export function createMigrateAdapter(databaseUrl: string) {
  return new MigratePg(splitConnectionString(databaseUrl));
}
