/**
 * A setting's value as the settings form shows and reads it. Pure, so the form's own check says the
 * same as the server's (whose rule text the list carries).
 */
export interface SettingRule {
  type: "integer" | "number" | "boolean" | "model";
  min: number | null;
  max: number | null;
}

const units = ["bytes", "KB", "MB", "GB"] as const;

/** 10485760 bytes → "10 MB"; other units as they are ("90 days", "0.05 credits"). */
export function formatSettingValue(value: unknown, unit: string | null): string {
  if (value === null || value === undefined) return "Automatic";
  if (typeof value === "boolean") return value ? "On" : "Off";
  if (typeof value === "number" && unit === "bytes") {
    let n = value;
    let i = 0;
    while (n >= 1024 && n % 1024 === 0 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return `${n.toLocaleString("en-US")} ${units[i]}`;
  }
  return unit ? `${typeof value === "number" ? value.toLocaleString("en-US") : String(value)} ${unit}` : String(value);
}

/** A number field's text as the value to send, or the message to show at the field. */
export function readNumberField(text: string, rule: SettingRule, label: string, ruleText: string): { ok: true; value: number } | { ok: false; message: string } {
  const refused = { ok: false as const, message: `${label} must be ${ruleText}.` };
  const trimmed = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return trimmed ? refused : { ok: false, message: `Enter ${ruleText}.` };
  const value = Number(trimmed);
  if (rule.type === "integer" && !Number.isInteger(value)) return refused;
  if (rule.min !== null && value < rule.min) return refused;
  if (rule.max !== null && value > rule.max) return refused;
  return { ok: true, value };
}
