/**
 * Product settings that every web and worker process must agree on live in `app_settings`
 * (PRODUCT.md section 12: never in process memory). Each key has a zod schema and a default, and
 * what the admin console's form needs to show it (group, label, help, input); its bounds are read
 * from the schema itself, so the form and the check cannot disagree. A row that does not parse is
 * ignored (with the default used), so a bad edit cannot stop turns.
 *
 * Nothing here is cached: `getSettings` reads the table on every call, so a change made by any
 * process (the console, the CLI, SQL) applies to every other one at its next use.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Prisma } from "@/generated/prisma/client.ts";
import { logger } from "../../logger.ts";

export const settingGroups = {
  turns: "Turns and rate limits",
  orchestrator: "Orchestrator",
  summaries: "Summaries",
  sessions: "Sessions",
  credits: "Credits",
  tools: "Tools and files",
  retention: "Retention",
} as const;
export type SettingGroup = keyof typeof settingGroups;

export interface SettingMeta {
  group: SettingGroup;
  label: string;
  help: string;
  /** What the value is counted in, shown beside the field ("turns", "days", "bytes"…). */
  unit?: string;
  /**
   * Set on another screen, with checks of its own: the manager and summary models are chosen on
   * Models & providers (`models.setChoice`), which refuses a model that cannot be used.
   */
  managedBy?: "models";
}

function setting<S extends z.ZodType>(schema: S, meta: SettingMeta) {
  return { schema, meta };
}

const definitions = {
  "turns.rate_limit_per_minute": setting(z.number().int().min(1).default(10), {
    group: "turns",
    label: "Turns per minute",
    help: "How many turns one user may start in a minute; more are refused with a retry time.",
    unit: "turns",
  }),
  "turns.rate_limit_per_hour": setting(z.number().int().min(1).default(60), {
    group: "turns",
    label: "Turns per hour",
    help: "How many turns one user may start in an hour.",
    unit: "turns",
  }),
  "turns.max_output_tokens": setting(z.number().int().min(16).max(32_768).default(1024), {
    group: "turns",
    label: "Longest answer",
    help: "The most tokens one model call may write (a model's own limit wins when lower).",
    unit: "tokens",
  }),
  "orchestrator.max_rounds": setting(z.number().int().min(1).max(10).default(3), {
    group: "orchestrator",
    label: "Rounds per turn",
    help: "How many times the manager may send the question back to specialists in one turn.",
    unit: "rounds",
  }),
  "orchestrator.max_invocations": setting(z.number().int().min(1).max(50).default(12), {
    group: "orchestrator",
    label: "Specialist calls per turn",
    help: "The most specialist answers one orchestrator turn may ask for, over all its rounds.",
    unit: "calls",
  }),
  // A model alias, or null for the best available (domain/models/model-choice.ts). Set through
  // setModelChoice, which checks the model is usable.
  "orchestrator.manager_model": setting(z.string().min(1).nullable().default(null), {
    group: "orchestrator",
    label: "Manager model",
    help: "Routes orchestrator turns and writes the synthesis. Chosen on Models & providers.",
    managedBy: "models",
  }),
  "summary.every_turns": setting(z.number().int().min(1).default(8), {
    group: "summaries",
    label: "Summarize every",
    help: "A session is summarized after this many turns (and whenever its history passes 70% of a context window).",
    unit: "turns",
  }),
  "summary.model": setting(z.string().min(1).nullable().default(null), {
    group: "summaries",
    label: "Summary model",
    help: "Writes the session summaries. Chosen on Models & providers.",
    managedBy: "models",
  }),
  // Off: no `session.title` job is queued, and one queued before the switch does nothing.
  "sessions.auto_title": setting(z.boolean().default(true), {
    group: "sessions",
    label: "Automatic titles",
    help: "On: a chat is named from its first message once its first answer ends (one short model call, metered like any other). Off: chats stay \"New chat\" until renamed.",
  }),
  // Metering (PRODUCT.md 7.3, 7.4). Credit amounts are JSON numbers here, turned into exact decimals.
  "credits.enforcement": setting(z.boolean().default(true), {
    group: "credits",
    label: "Enforce credits",
    help: "On: a turn needs enough credits and a call in flight holds them. Off: calls are still metered and debited, balances may go below zero.",
  }),
  "credits.low_balance_threshold": setting(z.number().min(0).default(5), {
    group: "credits",
    label: "Low balance warning",
    help: "Users see a warning when their available credits fall below this.",
    unit: "credits",
  }),
  "credits.signup_grant": setting(z.number().min(0).default(100), {
    group: "credits",
    label: "Sign-up grant",
    help: "Credits a new account starts with.",
    unit: "credits",
  }),
  // Tools and files (PRODUCT.md 8).
  "tools.max_calls_per_step": setting(z.number().int().min(1).max(20).default(5), {
    group: "tools",
    label: "Tool calls per answer",
    help: "How many tool calls one agent answer may make before it must answer with what it has.",
    unit: "calls",
  }),
  "tools.search_credits": setting(z.number().min(0).default(0.05), {
    group: "tools",
    label: "Price of a web search",
    help: "Credits one web search costs, on top of the model calls.",
    unit: "credits",
  }),
  // The most of one tool result that enters a context (tokens); less when the context is nearly full.
  "tools.result_max_tokens": setting(z.number().int().min(100).max(16_000).default(1500), {
    group: "tools",
    label: "Largest tool result",
    help: "The most of one tool result that enters a model's context; less when the context is nearly full.",
    unit: "tokens",
  }),
  "files.max_bytes": setting(z.number().int().min(1024).default(10 * 1024 * 1024), {
    group: "tools",
    label: "Largest file",
    help: "The largest file a user may upload.",
    unit: "bytes",
  }),
  "files.room_max_bytes": setting(z.number().int().min(1024).default(100 * 1024 * 1024), {
    group: "tools",
    label: "Files per room or chat",
    help: "The most bytes of files one room (or direct chat) may hold.",
    unit: "bytes",
  }),
  // Retention (PRODUCT.md 3): chat data older than this many days is purged daily (0 keeps it
  // forever); the ledger, wallet transactions and the audit log are never purged with it.
  "retention.chat_days": setting(z.number().int().min(0).max(36_500).default(90), {
    group: "retention",
    label: "Keep chat data",
    help: "Messages, summaries, turn events, tool results and files older than this are removed every night. 0 keeps them forever. Usage, billing and the audit log are always kept.",
    unit: "days",
  }),
  // Events of ended turns older than this many days are purged (the messages keep the content).
  "retention.events_days": setting(z.number().int().min(1).max(3650).default(7), {
    group: "retention",
    label: "Keep turn events",
    help: "The live event log of ended turns is removed after this long; their messages keep the content.",
    unit: "days",
  }),
} as const;

type Definitions = typeof definitions;
export type SettingKey = keyof Definitions;
export type Settings = { [K in SettingKey]: z.output<Definitions[K]["schema"]> };
export type SettingInput<K extends SettingKey> = z.input<Definitions[K]["schema"]>;
export const settingKeys = Object.keys(definitions) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(definitions, key);
}

export function defaultSettings(): Settings {
  return Object.fromEntries(settingKeys.map((key) => [key, definitions[key].schema.parse(undefined)])) as Settings;
}

/** What a form needs to edit a value: its kind and bounds, read from the key's schema. */
export interface SettingInputRule {
  type: "integer" | "number" | "boolean" | "model";
  min: number | null;
  max: number | null;
  nullable: boolean;
}

function innerSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodNullable || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

export function inputRuleOf(key: SettingKey): SettingInputRule {
  const { schema, meta } = definitions[key];
  const inner = innerSchema(schema);
  const nullable = schema.safeParse(null).success;
  if (meta.managedBy === "models") return { type: "model", min: null, max: null, nullable };
  if (inner instanceof z.ZodBoolean) return { type: "boolean", min: null, max: null, nullable };
  if (inner instanceof z.ZodNumber) {
    // zod gives whole numbers the safe-integer range as bounds: those are no bounds to show.
    const bound = (v: number | null) => (v === null || !Number.isFinite(v) || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? null : v);
    return { type: inner.isInt ? "integer" : "number", min: bound(inner.minValue), max: bound(inner.maxValue), nullable };
  }
  throw new Error(`setting ${key}: no form input for its schema`);
}

/** The rule in words, for hints and refusals: "a whole number from 1 to 10". */
export function describeRule(rule: SettingInputRule): string {
  if (rule.type === "boolean") return "on or off";
  if (rule.type === "model") return "a model alias, or automatic";
  const kind = rule.type === "integer" ? "a whole number" : "a number";
  if (rule.min !== null && rule.max !== null) return `${kind} from ${rule.min} to ${rule.max}`;
  if (rule.min !== null) return `${kind}, at least ${rule.min}`;
  if (rule.max !== null) return `${kind}, at most ${rule.max}`;
  return kind;
}

export function settingMeta(key: SettingKey): SettingMeta {
  return definitions[key].meta;
}

/** Checks a value for a key: the parsed value, or why it does not fit (in words a form can show). */
export function checkSettingValue(key: SettingKey, value: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  // `undefined` would quietly become the default: a reset is its own action.
  const parsed = value === undefined ? null : definitions[key].schema.safeParse(value);
  if (parsed?.success) return { ok: true, value: parsed.data };
  return { ok: false, reason: `${definitions[key].meta.label} must be ${describeRule(inputRuleOf(key))}.` };
}

/** Reads every setting in one query. */
export async function getSettings(db: Pick<Db, "appSetting">): Promise<Settings> {
  const rows = await db.appSetting.findMany({ where: { key: { in: settingKeys } } });
  const settings = defaultSettings() as Record<SettingKey, unknown>;
  for (const row of rows) {
    const key = row.key as SettingKey;
    const parsed = definitions[key].schema.safeParse(row.value);
    if (parsed.success) settings[key] = parsed.data;
    else logger.warn({ key, issues: parsed.error.issues }, "ignoring an invalid setting; using its default");
  }
  return settings as Settings;
}

/** Writes one setting (validated). Used by the admin console, the CLI, operators and tests. */
export async function setSetting<K extends SettingKey>(db: Pick<Db, "appSetting">, key: K, value: SettingInput<K>): Promise<void> {
  // Json columns take any JSON value; numbers and strings are stored as JSON scalars.
  const parsed = definitions[key].schema.parse(value) as Prisma.InputJsonValue;
  await db.appSetting.upsert({ where: { key }, create: { key, value: parsed }, update: { value: parsed } });
}
