-- The pricing version a call was reserved at: its settlement bills at that version (read once per
-- call, and a price change applies only to calls started after it). Null on rows reserved before
-- this column existed, which settle at the active version.
ALTER TABLE "wallet_reservations" ADD COLUMN "pricing_version" INTEGER;
