-- Refunds carry the day their tickets were paid as well as the day of the refund, and the price paid beside the
-- money returned: «Оплачено» (gross) of a sale day = the tickets still valid + those refunded later, by sale date,
-- so a refund leaves its sale day in «Продано (без возвратов)» and is counted once, on its own day, in «Возвраты».
ALTER TABLE {db}.fact_qtickets_refunds_daily
    ADD COLUMN IF NOT EXISTS sales_date Date DEFAULT refund_date
        COMMENT 'payed_at date of the refunded tickets in the report time zone' AFTER refund_amount,
    ADD COLUMN IF NOT EXISTS refunded_revenue Decimal(18, 2) DEFAULT refund_amount
        COMMENT 'the price paid for the refunded tickets (refund_amount: the money returned)' AFTER sales_date;

-- The rows built before this migration do not know their sale day: rebuild every month on the next run.
INSERT INTO {db}.meta_loader_state (key, value, updated_at)
VALUES ('sales_fact_built_upto', '1970-01-01 00:00:00.000000', now64(6));
