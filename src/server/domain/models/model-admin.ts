/**
 * Models, as owners manage them (PRODUCT.md 13): import from a provider's list, edit, price, enable
 * and disable, set a fallback, and choose the manager and summary models. A model is enabled only
 * with a price in the active pricing version. Every write is audited in its transaction.
 */
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { LlmModel, Prisma } from "@/generated/prisma/client.ts";
import { isUniqueViolation } from "../../db-errors.ts";
import { AppError } from "../../errors.ts";
import { recordAudit, type AuditActor } from "../admin/audit.ts";
import { getSettings, setSetting } from "../settings/settings.ts";
import { text } from "../text.ts";
import { isUsable, loadCatalog, whyUnusable, type CatalogModel } from "./catalog.ts";
import { chooseModel, settingOfRole, type ModelRole } from "./model-choice.ts";
import { applyPriceChanges, hasActivePrice, modelPriceInput, priceView } from "./pricing.ts";

export const modelAlias = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "Use 1-64 lowercase letters, digits, '.', '-' or '_'");

const capability = z.enum(["tools", "usage_in_stream"]);
const modelFields = {
  label: text().trim().min(1).max(200),
  contextWindow: z.number().int().min(256).max(10_000_000),
  maxOutput: z.number().int().min(16).max(1_000_000).nullable(),
  capabilities: z.array(capability).max(2).transform((c) => [...new Set(c)]),
};

export const importModelsInput = z.object({
  providerId: z.uuid(),
  models: z
    .array(
      z.object({
        providerModel: text().trim().min(1).max(300),
        alias: modelAlias,
        ...modelFields,
        maxOutput: modelFields.maxOutput.default(null),
        capabilities: modelFields.capabilities.default(["usage_in_stream"]),
        price: modelPriceInput.optional(),
        enabled: z.boolean().default(true),
      }),
    )
    .min(1)
    .max(200),
});

export const updateModelInput = z.object({
  alias: z.string(),
  label: modelFields.label.optional(),
  contextWindow: modelFields.contextWindow.optional(),
  maxOutput: modelFields.maxOutput.optional(),
  capabilities: modelFields.capabilities.optional(),
  /** Another model's alias; null clears it. */
  fallbackAlias: z.string().nullable().optional(),
  enabled: z.boolean().optional(),
});

export const setPricesInput = z.object({
  changes: z.array(z.object({ alias: z.string(), price: modelPriceInput })).min(1).max(200),
  note: text().trim().max(200).default(""),
});

export const setModelChoiceInput = z.object({ role: z.enum(["manager", "summary"]), alias: z.string().nullable() });

/** The catalog as owners and analysts see it: every model, with its price and why it cannot be used. */
export async function adminCatalog(db: Db) {
  const catalog = await loadCatalog(db);
  return [...catalog.values()].map((m) => ({ ...modelView(m), enabled: m.enabled, builtin: m.builtin, fallbackAlias: m.fallbackAlias, capabilities: m.capabilities, maxOutput: m.maxOutput, providerModel: m.providerModel }));
}

/** The catalog for the agent editor (`models.list`, `agents.models`): every model, usable or with why not. */
export async function listModels(db: Db) {
  return [...(await loadCatalog(db)).values()].map(modelView);
}

/** What agents may use (every signed-in user): usable models and the unavailable ones with why. */
export function modelView(m: CatalogModel) {
  return {
    alias: m.alias,
    label: m.label,
    provider: m.provider.key,
    providerName: m.provider.name,
    contextWindow: m.contextWindow,
    available: isUsable(m),
    unavailableReason: m.unavailableReason,
    offline: m.offline,
    price: m.price ? { pricingVersion: m.price.pricingVersion, ...priceView(m.price) } : null,
  };
}

function modelAudit(m: LlmModel) {
  return { alias: m.alias, providerId: m.providerId, providerModel: m.providerModel, label: m.label, contextWindow: m.contextWindow, maxOutput: m.maxOutput, capabilities: m.capabilities, enabled: m.enabled, fallbackAlias: m.fallbackAlias };
}

export async function importModels(db: Db, actor: AuditActor, input: z.infer<typeof importModelsInput>) {
  try {
    return await db.$transaction(async (tx) => {
      const provider = await tx.llmProvider.findUnique({ where: { id: input.providerId } });
      if (!provider) throw new AppError("not_found", "No such provider.");
      if (provider.kind === "local") throw new AppError("builtin_protected", "The offline provider has only its built-in model.");
      const priced = input.models.filter((m) => m.price);
      const created = [];
      for (const m of input.models) {
        const row = await tx.llmModel.create({
          data: { alias: m.alias, providerId: provider.id, providerModel: m.providerModel, label: m.label, contextWindow: m.contextWindow, maxOutput: m.maxOutput, capabilities: m.capabilities, enabled: false },
        });
        await recordAudit(tx, actor, { action: "model.import", targetType: "model", targetId: row.alias, after: modelAudit(row) });
        created.push(row);
      }
      if (priced.length) await applyPriceChanges(tx, actor, priced.map((m) => ({ alias: m.alias, price: m.price! })), `Imported from ${provider.name}`);
      for (const m of input.models.filter((x) => x.enabled)) await enableInTx(tx, actor, m.alias);
      return { imported: created.map((r) => r.alias) };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", "A model with one of these aliases already exists: choose another alias.", { field: "alias" });
    throw error;
  }
}

type Tx = Prisma.TransactionClient;

async function getModel(tx: Pick<Db, "llmModel">, alias: string) {
  const row = await tx.llmModel.findUnique({ where: { alias } });
  if (!row) throw new AppError("not_found", `No model ${alias}.`);
  return row;
}

/** A model is enabled only with a price in the active pricing version (PRODUCT.md 13). */
async function assertPriced(tx: Tx, alias: string) {
  if (!(await hasActivePrice(tx, alias))) {
    throw new AppError("model_unpriced", `Give ${alias} a price before enabling it: a model is enabled only with a price in the active pricing version.`, { model: alias });
  }
}

async function enableInTx(tx: Tx, actor: AuditActor, alias: string) {
  await assertPriced(tx, alias);
  const before = await getModel(tx, alias);
  const row = await tx.llmModel.update({ where: { alias }, data: { enabled: true } });
  await recordAudit(tx, actor, { action: "model.enable", targetType: "model", targetId: alias, before: modelAudit(before), after: modelAudit(row) });
}

export async function updateModel(db: Db, actor: AuditActor, input: z.infer<typeof updateModelInput>) {
  const { alias, ...changes } = input;
  return db.$transaction(async (tx) => {
    const before = await getModel(tx, alias);
    if (before.builtin && (changes.enabled === false || changes.contextWindow !== undefined)) {
      throw new AppError("builtin_protected", "The offline model is built in: it stays enabled as it is.");
    }
    if (changes.fallbackAlias) {
      if (changes.fallbackAlias === alias) throw new AppError("invalid_input", "A model cannot be its own fallback.", { field: "fallbackAlias" });
      await getModel(tx, changes.fallbackAlias);
    }
    if (changes.enabled === true && !before.enabled) await assertPriced(tx, alias);
    const row = await tx.llmModel.update({ where: { alias }, data: changes });
    await recordAudit(tx, actor, { action: "model.update", targetType: "model", targetId: alias, before: modelAudit(before), after: modelAudit(row) });
    return modelAudit(row);
  });
}

export async function setPrices(db: Db, actor: AuditActor, input: z.infer<typeof setPricesInput>) {
  return db.$transaction(async (tx) => {
    for (const { alias } of input.changes) await getModel(tx, alias);
    const version = await applyPriceChanges(tx, actor, input.changes, input.note || `Prices of ${input.changes.map((c) => c.alias).join(", ")}`);
    return { pricingVersion: version };
  });
}

/** Both roles' models: the setting, and what is used now (with why). */
export async function modelChoices(db: Db) {
  const [settings, catalog] = await Promise.all([getSettings(db), loadCatalog(db)]);
  const roles: ModelRole[] = ["manager", "summary"];
  return Object.fromEntries(roles.map((role) => [role, { setting: settings[settingOfRole[role]], effective: chooseModel(catalog, settings, role) }])) as Record<ModelRole, { setting: string | null; effective: ReturnType<typeof chooseModel> }>;
}

export async function setModelChoice(db: Db, actor: AuditActor, input: z.infer<typeof setModelChoiceInput>) {
  if (input.alias !== null) {
    const reason = whyUnusable((await loadCatalog(db)).get(input.alias));
    if (reason) throw new AppError("model_unavailable", `${input.alias} cannot be used: ${reason}.`, { model: input.alias });
  }
  const key = settingOfRole[input.role];
  await db.$transaction(async (tx) => {
    const before = (await tx.appSetting.findUnique({ where: { key } }))?.value ?? null;
    await setSetting(tx, key, input.alias);
    await recordAudit(tx, actor, { action: "setting.update", targetType: "setting", targetId: key, before: { value: before }, after: { value: input.alias } });
  });
  return modelChoices(db);
}
