/**
 * Product settings that every web and worker process must agree on live in `app_settings`
 * (PRODUCT.md section 12: never in process memory). Each key has a zod schema and a default; a row
 * that does not parse is ignored (with the default used), so a bad edit cannot stop turns.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { logger } from "../../logger.ts";

const definitions = {
  "turns.rate_limit_per_minute": z.number().int().min(1).default(10),
  "turns.rate_limit_per_hour": z.number().int().min(1).default(60),
  "turns.max_output_tokens": z.number().int().min(16).max(32_768).default(1024),
  "orchestrator.max_rounds": z.number().int().min(1).max(10).default(3),
  "orchestrator.max_invocations": z.number().int().min(1).max(50).default(12),
  // A model alias, or null for the best available (domain/models/model-choice.ts). Set through
  // setModelChoice, which checks the model is usable.
  "orchestrator.manager_model": z.string().min(1).nullable().default(null),
  "summary.every_turns": z.number().int().min(1).default(8),
  "summary.model": z.string().min(1).nullable().default(null),
  // Metering (PRODUCT.md 7.3, 7.4). Credit amounts are JSON numbers here, turned into exact decimals.
  "credits.enforcement": z.boolean().default(true),
  "credits.low_balance_threshold": z.number().min(0).default(5),
  "credits.signup_grant": z.number().min(0).default(100),
  // Tools and files (PRODUCT.md 8).
  "tools.max_calls_per_step": z.number().int().min(1).max(20).default(5),
  "tools.search_credits": z.number().min(0).default(0.05),
  // The most of one tool result that enters a context (tokens); less when the context is nearly full.
  "tools.result_max_tokens": z.number().int().min(100).max(16_000).default(1500),
  "files.max_bytes": z.number().int().min(1024).default(10 * 1024 * 1024),
  "files.room_max_bytes": z.number().int().min(1024).default(100 * 1024 * 1024),
  // Retention (PRODUCT.md 3): chat data older than this many days is purged daily (0 keeps it
  // forever); the ledger, wallet transactions and the audit log are never purged with it.
  "retention.chat_days": z.number().int().min(0).max(36_500).default(90),
  // Events of ended turns older than this many days are purged (the messages keep the content).
  "retention.events_days": z.number().int().min(1).max(3650).default(7),
} as const;

type Definitions = typeof definitions;
export type SettingKey = keyof Definitions;
export type Settings = { [K in SettingKey]: z.output<Definitions[K]> };
export const settingKeys = Object.keys(definitions) as SettingKey[];

export function defaultSettings(): Settings {
  return Object.fromEntries(settingKeys.map((key) => [key, definitions[key].parse(undefined)])) as Settings;
}

/** Reads every setting in one query. */
export async function getSettings(db: Pick<Db, "appSetting">): Promise<Settings> {
  const rows = await db.appSetting.findMany({ where: { key: { in: settingKeys } } });
  const settings = defaultSettings() as Record<SettingKey, unknown>;
  for (const row of rows) {
    const key = row.key as SettingKey;
    const parsed = definitions[key].safeParse(row.value);
    if (parsed.success) settings[key] = parsed.data;
    else logger.warn({ key, issues: parsed.error.issues }, "ignoring an invalid setting; using its default");
  }
  return settings as Settings;
}

/** Writes one setting (validated). Used by operators, tests and, later, the admin screens. */
export async function setSetting<K extends SettingKey>(db: Pick<Db, "appSetting">, key: K, value: z.input<Definitions[K]>): Promise<void> {
  // Json columns take any JSON value; numbers and strings are stored as JSON scalars.
  const parsed = definitions[key].parse(value) as Prisma.InputJsonValue;
  await db.appSetting.upsert({ where: { key }, create: { key, value: parsed }, update: { value: parsed } });
}
