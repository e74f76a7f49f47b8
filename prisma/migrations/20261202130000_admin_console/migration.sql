-- The admin console (PRODUCT.md 9): owners' credit adjustments as their own transaction kind, and
-- per-user daily and monthly credit caps.

-- AlterEnum
ALTER TYPE "credit_transaction_kind" ADD VALUE 'admin_adjustment';

-- CreateTable
CREATE TABLE "user_credit_caps" (
    "user_id" UUID NOT NULL,
    "daily_cap" DECIMAL(20,6),
    "monthly_cap" DECIMAL(20,6),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_credit_caps_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "user_credit_caps_daily_check" CHECK ("daily_cap" IS NULL OR "daily_cap" > 0),
    CONSTRAINT "user_credit_caps_monthly_check" CHECK ("monthly_cap" IS NULL OR "monthly_cap" > 0)
);

-- AddForeignKey
ALTER TABLE "user_credit_caps" ADD CONSTRAINT "user_credit_caps_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
