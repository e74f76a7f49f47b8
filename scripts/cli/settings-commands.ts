/**
 * Operator commands for settings (PRODUCT.md 9), on the database directly: what owners do on the
 * console's Settings page, through the same domain functions — each value checked by its key's
 * schema, each change audited as `cli`. The manager and summary models go through the same check
 * as Models & providers (the model must be usable).
 */
import type { Command } from "commander";
import type { Db } from "../../src/server/db.ts";
import { cliActor } from "../../src/server/domain/admin/audit.ts";
import { setModelChoice } from "../../src/server/domain/models/model-admin.ts";
import { settingOfRole, type ModelRole } from "../../src/server/domain/models/model-choice.ts";
import { listSettings, resetSetting, updateSetting } from "../../src/server/domain/settings/admin-settings.ts";
import { inputRuleOf, isSettingKey, settingKeys, type SettingKey } from "../../src/server/domain/settings/settings.ts";
import { printTable } from "./models-commands.ts";

type WithDb = (fn: (db: Db) => Promise<void>) => Promise<void>;

function settingKey(key: string): SettingKey {
  if (!isSettingKey(key)) throw new Error(`Unknown setting "${key}". Settings: ${settingKeys.join(", ")}`);
  return key;
}

/** The command line's text as the value the key takes; the key's schema then checks it. */
export function parseSettingValue(key: SettingKey, text: string): unknown {
  const rule = inputRuleOf(key);
  const t = text.trim();
  if (rule.type === "boolean") {
    if (/^(true|on|yes)$/i.test(t)) return true;
    if (/^(false|off|no)$/i.test(t)) return false;
    return t;
  }
  if (rule.type === "model") return /^(auto|automatic|none)$/i.test(t) ? null : t;
  // Number("") is 0 and Number(" 1e3") is 1000: only plain decimal numbers count as numbers.
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

const show = (value: unknown) => (value === null ? "automatic" : typeof value === "boolean" ? (value ? "on" : "off") : String(value));

export function registerSettingsCommands(program: Command, withDb: WithDb) {
  const settings = program.command("settings").description("app settings, shared by every process (operator: direct database access)");

  settings
    .command("get [key]")
    .description("print one setting's value, or every setting with its default and whether it is set")
    .option("--json", "print JSON")
    .action(async (key: string | undefined, opts: { json?: boolean }) => {
      const wanted = key === undefined ? undefined : settingKey(key);
      await withDb(async (db) => {
        const list = (await listSettings(db)).filter((s) => !wanted || s.key === wanted);
        if (opts.json) return console.log(JSON.stringify(wanted ? list[0] : list, null, 2));
        if (wanted) return console.log(show(list[0]!.value));
        printTable(
          ["key", "value", "default", "set", "allowed"],
          list.map((s) => [s.key, show(s.value) + (s.storedInvalid ? " (stored value invalid)" : ""), show(s.default), s.isSet ? "yes" : "no", s.rule]),
        );
      });
    });

  settings
    .command("set <key> <value>")
    .description("set a setting for every process at once (checked like the console; audited as cli). Booleans: on/off; models: an alias or auto")
    .action(async (key: string, text: string) => {
      const k = settingKey(key);
      const value = parseSettingValue(k, text);
      await withDb(async (db) => {
        const role = (Object.keys(settingOfRole) as ModelRole[]).find((r) => settingOfRole[r] === k);
        if (role) await setModelChoice(db, cliActor, { role, alias: value as string | null });
        else await updateSetting(db, cliActor, { key: k, value });
        console.log(`${k} = ${show((await listSettings(db)).find((s) => s.key === k)!.value)}`);
      });
    });

  settings
    .command("reset <key>")
    .description("put a setting back to its default (audited as cli)")
    .action(async (key: string) => {
      const k = settingKey(key);
      await withDb(async (db) => {
        const after = await resetSetting(db, cliActor, { key: k });
        console.log(`${k} = ${show(after.value)} (default)`);
      });
    });
}
