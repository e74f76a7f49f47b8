-- Models and providers as data (PRODUCT.md 13), replacing the constant catalog. The ledger keeps
-- plain strings (provider key, alias, provider model), so removing a provider never touches it.

-- CreateTable
CREATE TABLE "llm_providers" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "preset" TEXT NOT NULL,
    "base_url" TEXT,
    "api_key_ciphertext" TEXT,
    "api_key_last4" TEXT,
    "api_key_env" TEXT,
    "extra_headers" JSONB NOT NULL DEFAULT '{}',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "builtin" BOOLEAN NOT NULL DEFAULT false,
    "last_success_at" TIMESTAMPTZ(3),
    "last_error_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "last_latency_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "llm_providers_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "llm_providers_kind_check" CHECK ("kind" IN ('local', 'openai_compatible')),
    CONSTRAINT "llm_providers_key_check" CHECK ("key" ~ '^[a-z0-9][a-z0-9_-]{0,39}$')
);

-- CreateTable
CREATE TABLE "llm_models" (
    "alias" TEXT NOT NULL,
    "provider_id" UUID NOT NULL,
    "provider_model" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "context_window" INTEGER NOT NULL,
    "max_output" INTEGER,
    "capabilities" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "builtin" BOOLEAN NOT NULL DEFAULT false,
    "fallback_alias" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "llm_models_pkey" PRIMARY KEY ("alias"),
    CONSTRAINT "llm_models_alias_check" CHECK ("alias" ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    CONSTRAINT "llm_models_context_window_check" CHECK ("context_window" > 0),
    CONSTRAINT "llm_models_fallback_check" CHECK ("fallback_alias" IS NULL OR "fallback_alias" <> "alias")
);

-- CreateTable
CREATE TABLE "admin_audit_logs" (
    "id" UUID NOT NULL,
    "actor_id" UUID,
    "actor_label" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "llm_providers_key_key" ON "llm_providers"("key");
CREATE UNIQUE INDEX "llm_providers_name_key" ON "llm_providers"("name");
CREATE INDEX "llm_models_provider_id_idx" ON "llm_models"("provider_id");
CREATE INDEX "admin_audit_logs_created_at_idx" ON "admin_audit_logs"("created_at");
CREATE INDEX "admin_audit_logs_target_idx" ON "admin_audit_logs"("target_type", "target_id");

-- AddForeignKey
ALTER TABLE "llm_models" ADD CONSTRAINT "llm_models_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "llm_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "llm_models" ADD CONSTRAINT "llm_models_fallback_alias_fkey" FOREIGN KEY ("fallback_alias") REFERENCES "llm_models"("alias") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "admin_audit_logs" ADD CONSTRAINT "admin_audit_logs_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A call served by a model's fallback names the model it was meant for.
ALTER TABLE "llm_call_events" ADD COLUMN "fallback_from" TEXT;

-- The offline model is a built-in row. The OpenRouter aliases of the old constant catalog are kept
-- under an OpenRouter provider that stays disabled until OPENROUTER_API_KEY (or an owner) gives it a
-- key, so agents already on those aliases keep them.
INSERT INTO "llm_providers" ("id", "key", "name", "kind", "preset", "base_url", "enabled", "builtin") VALUES
  (gen_random_uuid(), 'local', 'Offline (built in)', 'local', 'local', NULL, true, true),
  (gen_random_uuid(), 'openrouter', 'OpenRouter', 'openai_compatible', 'openrouter', 'https://openrouter.ai/api/v1', false, false);

INSERT INTO "llm_models" ("alias", "provider_id", "provider_model", "label", "context_window", "capabilities", "enabled", "builtin")
SELECT v.alias, p.id, v.provider_model, v.label, v.context_window, v.capabilities, true, v.alias = 'local'
FROM (VALUES
  ('local',    'local',      'pantheon-local',                        'Offline model (built in)',  8192,   ARRAY['usage_in_stream']),
  ('free',     'openrouter', 'meta-llama/llama-3.3-70b-instruct:free', 'Free tier (Llama 3.3 70B)', 131072, ARRAY['usage_in_stream']),
  ('llama',    'openrouter', 'meta-llama/llama-3.3-70b-instruct',      'Llama 3.3 70B',             131072, ARRAY['usage_in_stream', 'tools']),
  ('qwen',     'openrouter', 'qwen/qwen-2.5-72b-instruct',             'Qwen 2.5 72B',              32768,  ARRAY['usage_in_stream', 'tools']),
  ('deepseek', 'openrouter', 'deepseek/deepseek-chat',                 'DeepSeek V3',               65536,  ARRAY['usage_in_stream', 'tools']),
  ('gpt_oss',  'openrouter', 'openai/gpt-oss-120b',                    'GPT-OSS 120B',              131072, ARRAY['usage_in_stream', 'tools']),
  ('premium',  'openrouter', 'anthropic/claude-sonnet-4',              'Claude Sonnet (premium)',   200000, ARRAY['usage_in_stream', 'tools'])
) AS v(alias, provider_key, provider_model, label, context_window, capabilities)
JOIN "llm_providers" p ON p."key" = v.provider_key;

