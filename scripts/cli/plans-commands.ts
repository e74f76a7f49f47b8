/**
 * Operator commands for plans (PRODUCT.md 14), on the database directly: list the plans, and put a
 * user on one by hand (a manual subscription, first period granted at once; the default plan ends
 * it), through the same domain functions as the console, audited as `cli`.
 */
import type { Command } from "commander";
import type { Db } from "../../src/server/db.ts";
import { userByEmail } from "../../src/server/domain/admin/users.ts";
import { cliActor as actor } from "../../src/server/domain/admin/audit.ts";
import { getCreditPacks, replaceCreditPacks } from "../../src/server/domain/billing/credit-packs.ts";
import { assignPlan } from "../../src/server/domain/billing/manual-plans.ts";
import { listPlans, planView } from "../../src/server/domain/billing/plans.ts";
import { printTable } from "./models-commands.ts";

type WithDb = (fn: (db: Db) => Promise<void>) => Promise<void>;

const price = (cents: number, currency: string) => (cents === 0 ? "free" : `${(cents / 100).toFixed(2)} ${currency}`);

export function registerPlanCommands(program: Command, withDb: WithDb) {
  const plans = program.command("plans").description("plans (operator: direct database access)");
  plans
    .command("list")
    .description("every plan: key, name, credits per month, price, allowed models, rate limits, Stripe price, status")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withDb(async (db) => {
        const items = (await listPlans(db, { includeInactive: true })).map(planView);
        if (opts.json) return console.log(JSON.stringify(items, null, 2));
        printTable(
          ["KEY", "NAME", "CREDITS/MONTH", "PRICE", "MODELS", "PER MIN", "PER HOUR", "STRIPE PRICE", "STATUS"],
          items.map((p) => [
            p.key,
            p.name,
            p.monthlyCredits,
            price(p.priceCents, p.currency),
            p.allowedModels.length ? p.allowedModels.join(",") : "all",
            p.rateLimitPerMinute === null ? "global" : String(p.rateLimitPerMinute),
            p.rateLimitPerHour === null ? "global" : String(p.rateLimitPerHour),
            p.stripePriceId ?? "-",
            [p.isDefault ? "default" : null, p.active ? "active" : "inactive"].filter(Boolean).join(", "),
          ]),
          [2],
        );
      });
    });
  plans
    .command("assign")
    .description("put the user with this e-mail on a plan by hand: a monthly period from now, its credits granted at once (the default plan ends the subscription)")
    .requiredOption("--email <email>", "the user's e-mail")
    .requiredOption("--plan <key>", "the plan's key, e.g. starter (see `plans list`)")
    .action(async (opts: { email: string; plan: string }) => {
      await withDb(async (db) => {
        const user = await userByEmail(db, opts.email);
        const done = await assignPlan(db, actor, { userId: user.id, planKey: opts.plan.trim() });
        if (!done.changed) return console.log(`${user.email} is already on ${done.plan.name}; nothing changed`);
        if (!done.subscription) return console.log(`${user.email} is back on ${done.plan.name} (the default plan)`);
        const granted = done.grant?.granted ? `; granted ${done.grant.amount} credits, balance ${done.grant.balanceAfter}` : "";
        console.log(`${user.email} is on ${done.plan.name} until ${done.subscription.currentPeriodEnd}, renewed monthly${granted}`);
      });
    });
  plans
    .command("packs")
    .description("the credit packs users can buy through Stripe Checkout: id, credits, price, name")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withDb(async (db) => {
        const packs = await getCreditPacks(db);
        if (opts.json) return console.log(JSON.stringify(packs, null, 2));
        printTable(["ID", "CREDITS", "PRICE", "NAME"], packs.map((p) => [p.id, p.credits, price(p.priceCents, p.currency), p.name ?? "-"]), [1]);
      });
    });
  plans
    .command("set-packs")
    .description("replace the credit packs (audited), e.g. '[{\"id\":\"small\",\"credits\":\"500\",\"priceCents\":500}]'")
    .argument("<json>", "a JSON array of { id, credits, priceCents, currency?, name? }")
    .action(async (json: string) => {
      await withDb(async (db) => {
        let input: unknown;
        try {
          input = JSON.parse(json);
        } catch {
          throw new Error("The packs are not valid JSON.");
        }
        // Checked, stored and audited as the admin console does it; a refusal says which field.
        const packs = await replaceCreditPacks(db, actor, input);
        console.log(`${packs.length} credit pack(s): ${packs.map((p) => `${p.id} ${p.credits} credits`).join(", ")}`);
      });
    });
}
