-- fact_qtickets_sales_daily is kept for the seed's own checks (count(), max(sale_ts), the runbook's queries) but is
-- no longer a table that every run rebuilds from staging (a third of each fact rebuild, read by no panel): it is a
-- view summing the detail fact, which carries the latest payment of its rows for it. The rebuild's watermark goes
-- back to the start, so the next run rebuilds every month once and every detail row gets its sale_ts.
ALTER TABLE {db}.fact_qtickets_sales_detail
    ADD COLUMN IF NOT EXISTS sale_ts DateTime64(3, '{tz}') COMMENT 'latest payment in this row' AFTER sale_hour;

DROP TABLE IF EXISTS {db}.fact_qtickets_sales_daily;

CREATE OR REPLACE VIEW {db}.fact_qtickets_sales_daily AS
SELECT
    sales_date,
    max(sale_ts)                  AS sale_ts,
    city,
    event_id,
    event_name,
    show_id,
    any(show_start)               AS show_start,
    any(show_start_local)         AS show_start_local,
    any(show_timezone)            AS show_timezone,
    sum(tickets)                  AS tickets_sold,
    sum(revenue)                  AS revenue,
    uniqExactMerge(orders_state)  AS orders,
    max(refreshed_at)             AS refreshed_at
FROM {db}.fact_qtickets_sales_detail
GROUP BY sales_date, city, event_id, event_name, show_id;

INSERT INTO {db}.meta_loader_state (key, value, updated_at)
SELECT 'sales_fact_built_upto', '1970-01-01 00:00:00.000000', now64(6);
