/**
 * Settings in the admin console and the operator CLI (PRODUCT.md 9): every key with its value, its
 * default, whether it is set, and what a form needs; a change is validated by the key's schema and
 * audited in the same transaction. The manager and summary models are chosen through
 * `models.setChoice` (which checks the model can be used), so they are listed here but not set.
 */
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client.ts";
import type { Db } from "../../db.ts";
import { AppError } from "../../errors.ts";
import { recordAudit, type AuditActor } from "../admin/audit.ts";
import { checkSettingValue, defaultSettings, getSettings, inputRuleOf, isSettingKey, settingGroups, settingKeys, settingMeta, describeRule, type SettingKey } from "./settings.ts";

const settingKey = z.string().refine(isSettingKey, { message: "Unknown setting" });

export const setSettingInput = z.object({
  key: settingKey,
  // Checked against the key's own schema in updateSetting, so the refusal can say why.
  value: z.union([z.number(), z.boolean(), z.string(), z.null()]),
});
export const resetSettingInput = z.object({ key: settingKey });

/** Serializes writers of one key, so each audit row's `before` is exactly what the write replaced. */
async function lockSetting(tx: Prisma.TransactionClient, key: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`pantheon:setting:${key}`}))`;
}

export async function listSettings(db: Db) {
  const [settings, rows] = await Promise.all([getSettings(db), db.appSetting.findMany({ where: { key: { in: settingKeys } } })]);
  const defaults = defaultSettings();
  const stored = new Map(rows.map((r) => [r.key, r]));
  return settingKeys.map((key) => {
    const meta = settingMeta(key);
    const rule = inputRuleOf(key);
    const row = stored.get(key);
    return {
      key,
      group: meta.group,
      groupLabel: settingGroups[meta.group],
      label: meta.label,
      help: meta.help,
      unit: meta.unit ?? null,
      managedBy: meta.managedBy ?? null,
      input: rule,
      rule: describeRule(rule),
      value: settings[key] as unknown,
      default: defaults[key] as unknown,
      isSet: !!row,
      // A stored value that no longer parses is ignored (the default applies): the form says so.
      storedInvalid: !!row && !checkSettingValue(key, row.value).ok,
      updatedAt: row?.updatedAt ?? null,
    };
  });
}

function assertEditable(key: SettingKey) {
  if (settingMeta(key).managedBy === "models") {
    throw new AppError("invalid_input", `${settingMeta(key).label} is chosen on Models & providers (models.setChoice), which checks the model can be used.`, { field: key });
  }
}

export async function updateSetting(db: Db, actor: AuditActor, input: { key: string; value: unknown }) {
  if (!isSettingKey(input.key)) throw new AppError("invalid_input", `Unknown setting "${input.key}".`, { field: "key" });
  const key = input.key;
  assertEditable(key);
  const checked = checkSettingValue(key, input.value);
  if (!checked.ok) throw new AppError("invalid_input", checked.reason, { field: key });
  const value = checked.value as Prisma.InputJsonValue;
  await db.$transaction(async (tx) => {
    await lockSetting(tx, key);
    const before = await tx.appSetting.findUnique({ where: { key } });
    await tx.appSetting.upsert({ where: { key }, create: { key, value }, update: { value } });
    await recordAudit(tx, actor, { action: "setting.update", targetType: "setting", targetId: key, before: { value: before?.value ?? null }, after: { value } });
  });
  return (await listSettings(db)).find((s) => s.key === key)!;
}

/** Back to the default: the row goes, so a later change of the default applies here too. */
export async function resetSetting(db: Db, actor: AuditActor, input: { key: string }) {
  if (!isSettingKey(input.key)) throw new AppError("invalid_input", `Unknown setting "${input.key}".`, { field: "key" });
  const key = input.key;
  assertEditable(key);
  await db.$transaction(async (tx) => {
    await lockSetting(tx, key);
    const before = await tx.appSetting.findUnique({ where: { key } });
    await tx.appSetting.deleteMany({ where: { key } });
    await recordAudit(tx, actor, { action: "setting.reset", targetType: "setting", targetId: key, before: { value: before?.value ?? null }, after: { value: defaultSettings()[key], default: true } });
  });
  return (await listSettings(db)).find((s) => s.key === key)!;
}
