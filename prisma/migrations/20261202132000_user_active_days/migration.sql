-- The days each user was active (at least one ledger row that UTC day), kept by the ledger itself:
-- DAU, WAU and MAU (PRODUCT.md 9) read these pairs instead of reducing every ledger row of a period
-- to them, which was most of their time at 1M rows. A statement-level trigger adds the pairs of
-- each insert (one row or a bulk load alike), ON CONFLICT so a second call of the day costs a
-- lookup only. Rows are never removed: the ledger they summarize is never purged.

-- CreateTable
CREATE TABLE "user_active_days" (
    "day" DATE NOT NULL,
    "user_id" UUID NOT NULL,

    CONSTRAINT "user_active_days_pkey" PRIMARY KEY ("day", "user_id")
);

-- AddForeignKey
ALTER TABLE "user_active_days" ADD CONSTRAINT "user_active_days_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The body is a plain quoted string: the migration runner splits statements at semicolons outside
-- quotes and does not know dollar quoting.
CREATE FUNCTION "record_user_active_days"() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
  INSERT INTO user_active_days (day, user_id)
  SELECT DISTINCT (created_at AT TIME ZONE ''UTC'')::date, user_id FROM new_rows
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
';

CREATE TRIGGER "llm_call_events_user_active_days" AFTER INSERT ON "llm_call_events"
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "record_user_active_days"();

-- The days already in the ledger.
INSERT INTO user_active_days (day, user_id)
SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date, user_id FROM llm_call_events
ON CONFLICT DO NOTHING;
