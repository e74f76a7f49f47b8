/**
 * Models and providers (PRODUCT.md 10, 13). `list` is for every signed-in user: the models agents
 * may use, with price per million tokens and context window. The rest is the admin console's:
 * owners and analysts read (queries), only owners write (mutations, each audited). `providers.test`
 * and `providers.discover` are mutations too: they call out to a provider, so they are an owner's
 * action, never something a page refetches on its own.
 */
import { z } from "zod";
import { actorOf } from "../../domain/admin/audit.ts";
import {
  adminCatalog,
  importModels,
  importModelsInput,
  modelChoices,
  setModelChoice,
  setModelChoiceInput,
  setPrices,
  setPricesInput,
  updateModel,
  updateModelInput,
} from "../../domain/models/model-admin.ts";
import { listModelsForUser } from "../../domain/billing/plan-models.ts";
import { createProvider, createProviderInput, deleteProvider, discoverProvider, listProviders, testProvider, testProviderInput, updateProvider, updateProviderInput } from "../../domain/models/providers.ts";
import { createTRPCRouter, ownerProcedure, protectedProcedure, staffProcedure } from "../trpc.ts";

const byId = z.object({ id: z.uuid() });

const providersRouter = createTRPCRouter({
  list: staffProcedure.query(({ ctx }) => listProviders(ctx.db)),
  create: ownerProcedure.input(createProviderInput).mutation(({ ctx, input }) => createProvider(ctx.db, actorOf(ctx.user), input)),
  update: ownerProcedure.input(updateProviderInput).mutation(({ ctx, input }) => updateProvider(ctx.db, actorOf(ctx.user), input)),
  delete: ownerProcedure.input(byId).mutation(({ ctx, input }) => deleteProvider(ctx.db, actorOf(ctx.user), input.id)),
  /** Lists the models behind unsaved details (the add form) or a saved provider: a connection test. */
  test: ownerProcedure.input(testProviderInput).mutation(({ ctx, input }) => testProvider(ctx.db, input)),
  /**
   * A saved provider's models for "Import models": each with the alias it is already imported as
   * (null when it is not) and, where the provider publishes them, its prices per million tokens.
   */
  discover: ownerProcedure.input(byId).mutation(({ ctx, input }) => discoverProvider(ctx.db, input.id)),
});

export const modelsRouter = createTRPCRouter({
  /** What agents may use (every signed-in user): each model with its price and context window, why one cannot be used, and `inPlan` for the caller's plan. */
  list: protectedProcedure.query(({ ctx }) => listModelsForUser(ctx.db, ctx.user.id)),
  /** Every model as the console shows it: enabled, fallback, capabilities, provider model id. */
  catalog: staffProcedure.query(({ ctx }) => adminCatalog(ctx.db)),
  /** The manager and summary models: the setting and what is used now, with why. */
  choices: staffProcedure.query(({ ctx }) => modelChoices(ctx.db)),
  setChoice: ownerProcedure.input(setModelChoiceInput).mutation(({ ctx, input }) => setModelChoice(ctx.db, actorOf(ctx.user), input)),
  update: ownerProcedure.input(updateModelInput).mutation(({ ctx, input }) => updateModel(ctx.db, actorOf(ctx.user), input)),
  /** A new pricing version with these changes; calls started after it use it. */
  setPrices: ownerProcedure.input(setPricesInput).mutation(({ ctx, input }) => setPrices(ctx.db, actorOf(ctx.user), input)),
  import: ownerProcedure.input(importModelsInput).mutation(({ ctx, input }) => importModels(ctx.db, actorOf(ctx.user), input)),
  providers: providersRouter,
});
