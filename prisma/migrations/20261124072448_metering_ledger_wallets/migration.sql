-- CreateEnum
CREATE TYPE "call_purpose" AS ENUM ('agent_reply', 'route', 'evaluate', 'synthesis', 'summary');

-- CreateEnum
CREATE TYPE "call_status" AS ENUM ('success', 'error', 'timeout', 'cancelled', 'rate_limited');

-- CreateEnum
CREATE TYPE "credit_transaction_kind" AS ENUM ('grant', 'debit', 'refund', 'topup', 'plan_grant');

-- CreateTable
CREATE TABLE "llm_call_events" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "room_id" UUID,
    "session_id" UUID,
    "turn_id" UUID,
    "step_id" UUID,
    "agent_id" UUID,
    "agent_key" TEXT,
    "call_purpose" "call_purpose" NOT NULL,
    "mode" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "model_alias" TEXT NOT NULL,
    "provider_model" TEXT NOT NULL,
    "request_id" TEXT,
    "input_tokens_fresh" INTEGER NOT NULL,
    "input_tokens_cached" INTEGER NOT NULL,
    "output_tokens" INTEGER NOT NULL,
    "total_tokens" INTEGER NOT NULL,
    "usage_source" TEXT NOT NULL,
    "oe_tokens" DECIMAL(20,4) NOT NULL,
    "multiplier" DECIMAL(10,4) NOT NULL,
    "credits_burned" DECIMAL(20,6) NOT NULL,
    "provider_cost_usd" DECIMAL(20,10) NOT NULL,
    "pricing_version" INTEGER NOT NULL,
    "status" "call_status" NOT NULL,
    "error_code" TEXT,
    "latency_ms" INTEGER,
    "ttft_ms" INTEGER,
    "idempotency_key" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "llm_call_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pricing_versions" (
    "version" INTEGER NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "active" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pricing_versions_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "model_pricing" (
    "pricing_version" INTEGER NOT NULL,
    "model_alias" TEXT NOT NULL,
    "multiplier" DECIMAL(10,4) NOT NULL,
    "input_usd_per_token" DECIMAL(20,12) NOT NULL,
    "cached_input_usd_per_token" DECIMAL(20,12) NOT NULL,
    "output_usd_per_token" DECIMAL(20,12) NOT NULL,

    CONSTRAINT "model_pricing_pkey" PRIMARY KEY ("pricing_version","model_alias")
);

-- CreateTable
CREATE TABLE "credit_wallets" (
    "user_id" UUID NOT NULL,
    "balance" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "reserved" DECIMAL(20,6) NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_wallets_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "credit_transactions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" "credit_transaction_kind" NOT NULL,
    "amount" DECIMAL(20,6) NOT NULL,
    "balance_after" DECIMAL(20,6) NOT NULL,
    "reference_id" TEXT,
    "initiated_by" TEXT,
    "note" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_transactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "wallet_reservations" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "amount" DECIMAL(20,6) NOT NULL,
    "input_tokens" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "wallet_reservations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "llm_call_events_idempotency_key_key" ON "llm_call_events"("idempotency_key");

-- CreateIndex
CREATE INDEX "llm_call_events_user_id_created_at_idx" ON "llm_call_events"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "llm_call_events_session_id_created_at_idx" ON "llm_call_events"("session_id", "created_at");

-- CreateIndex
CREATE INDEX "llm_call_events_turn_id_idx" ON "llm_call_events"("turn_id");

-- CreateIndex
CREATE INDEX "llm_call_events_model_alias_created_at_idx" ON "llm_call_events"("model_alias", "created_at");

-- CreateIndex
CREATE INDEX "llm_call_events_created_at_idx" ON "llm_call_events"("created_at");

-- CreateIndex
CREATE INDEX "credit_transactions_user_id_created_at_idx" ON "credit_transactions"("user_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "credit_transactions_kind_reference_id_key" ON "credit_transactions"("kind", "reference_id");

-- CreateIndex
CREATE UNIQUE INDEX "wallet_reservations_key_key" ON "wallet_reservations"("key");

-- AddForeignKey
ALTER TABLE "llm_call_events" ADD CONSTRAINT "llm_call_events_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "llm_call_events" ADD CONSTRAINT "llm_call_events_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "llm_call_events" ADD CONSTRAINT "llm_call_events_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "llm_call_events" ADD CONSTRAINT "llm_call_events_turn_id_fkey" FOREIGN KEY ("turn_id") REFERENCES "turns"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "llm_call_events" ADD CONSTRAINT "llm_call_events_step_id_fkey" FOREIGN KEY ("step_id") REFERENCES "turn_steps"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_pricing" ADD CONSTRAINT "model_pricing_pricing_version_fkey" FOREIGN KEY ("pricing_version") REFERENCES "pricing_versions"("version") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_wallets" ADD CONSTRAINT "credit_wallets_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_transactions" ADD CONSTRAINT "credit_transactions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wallet_reservations" ADD CONSTRAINT "wallet_reservations_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "credit_wallets"("user_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Constraints Prisma's schema language cannot express (PRODUCT.md 7).
CREATE UNIQUE INDEX "llm_call_events_request_id_key" ON "llm_call_events"("request_id") WHERE "request_id" IS NOT NULL;
ALTER TABLE "llm_call_events" ADD CONSTRAINT "llm_call_events_tokens_nonnegative"
  CHECK ("input_tokens_fresh" >= 0 AND "input_tokens_cached" >= 0 AND "output_tokens" >= 0 AND "total_tokens" >= 0 AND "credits_burned" >= 0);
-- A wallet never goes below zero (reservations are checked against balance - reserved).
ALTER TABLE "credit_wallets" ADD CONSTRAINT "credit_wallets_balance_nonnegative" CHECK ("balance" >= 0);
ALTER TABLE "credit_wallets" ADD CONSTRAINT "credit_wallets_reserved_nonnegative" CHECK ("reserved" >= 0);
ALTER TABLE "wallet_reservations" ADD CONSTRAINT "wallet_reservations_amount_nonnegative" CHECK ("amount" >= 0);
-- At most one active pricing version.
CREATE UNIQUE INDEX "pricing_versions_one_active" ON "pricing_versions"("active") WHERE "active";

-- Pricing version 1: every catalog alias, the offline model included. Multipliers apply the
-- 0.5 billing floor at least, and provider prices are USD per token.
INSERT INTO "pricing_versions" ("version", "note", "active") VALUES (1, 'Launch pricing', true);
INSERT INTO "model_pricing" ("pricing_version", "model_alias", "multiplier", "input_usd_per_token", "cached_input_usd_per_token", "output_usd_per_token") VALUES
  (1, 'local',    0.5, 0,             0,              0),
  (1, 'free',     0.5, 0,             0,              0),
  (1, 'llama',    1.0, 0.00000012,    0.000000012,    0.0000003),
  (1, 'qwen',     1.0, 0.00000013,    0.000000013,    0.0000004),
  (1, 'deepseek', 1.2, 0.00000027,    0.000000027,    0.0000011),
  (1, 'gpt_oss',  1.0, 0.00000015,    0.000000015,    0.0000006),
  (1, 'premium',  6.0, 0.000003,      0.0000003,      0.000015);

-- Metering settings (PRODUCT.md 7.3, 7.4), in the database so every process agrees.
INSERT INTO "app_settings" ("key", "value") VALUES
  ('credits.enforcement', 'true'),
  ('credits.low_balance_threshold', '5'),
  ('credits.signup_grant', '100')
ON CONFLICT ("key") DO NOTHING;
