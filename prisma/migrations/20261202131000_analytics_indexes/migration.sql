-- The admin analytics (PRODUCT.md 9) read the ledger, turns and users by a created_at range.
--
-- The ledger's created_at index becomes one that carries every column the analytics read, so
-- their queries are index-only scans of the period: the ledger is append-only, so the visibility
-- map stays set and no heap page is visited. Its leading column is still created_at, so every other
-- created_at range query uses it as it used the old one, which it replaces. The extra columns are
-- key columns rather than INCLUDE ones only because Prisma's schema cannot say INCLUDE (it would
-- then see a difference): after created_at, a timestamp to the millisecond, they rarely decide an
-- order. Measured at 1M rows (docs/benchmarks.md, scripts/bench/analytics.ts).
DROP INDEX "llm_call_events_created_at_idx";
CREATE INDEX "llm_call_events_analytics_idx" ON "llm_call_events" ("created_at", "user_id", "model_alias", "provider", "status",
  "input_tokens_fresh", "input_tokens_cached", "output_tokens", "total_tokens", "credits_burned", "provider_cost_usd", "latency_ms", "ttft_ms");

-- Turns by mode and status over a period (index-only, as above).
CREATE INDEX "turns_created_at_mode_status_idx" ON "turns" ("created_at", "mode", "status");

-- New users over a period.
CREATE INDEX "users_created_at_idx" ON "users" ("created_at");
