-- The tables of migration 0002 as /work/contract.md lists them, for the dashboard's tests until the loader's own
-- migration lands (then the fixture skips this file: the loader has created and filled the tables itself).
CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_sales_detail
(
    sales_date        Date,
    sale_hour         UInt8,
    city              String,
    event_id          UInt64,
    event_name        String,
    show_id           UInt64,
    show_start        Nullable(DateTime64(3, 'Europe/Moscow')),
    show_start_local  Nullable(DateTime64(3, 'UTC')),
    show_timezone     String,
    zone              String,
    promo_code        String,
    utm_source        String,
    utm_medium        String,
    utm_campaign      String,
    tickets           UInt64,
    free_tickets      UInt64,
    revenue           Decimal(18, 2),
    original_revenue  Decimal(18, 2),
    tickets_scanned   UInt64,
    orders_state      AggregateFunction(uniqExact, UInt64)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(sales_date)
ORDER BY (sales_date, city, event_id, show_id, zone);

CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_refunds_daily
(
    refund_date    Date,
    city           String,
    event_id       UInt64,
    event_name     String,
    show_id        UInt64,
    zone           String,
    refunds        UInt64,
    refund_amount  Decimal(18, 2)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(refund_date)
ORDER BY (refund_date, city, event_id, show_id, zone);

ALTER TABLE {db}.fact_qtickets_inventory_latest
    ADD COLUMN IF NOT EXISTS capacity_known UInt8 DEFAULT 1,
    MODIFY COLUMN tickets_total Nullable(UInt64),
    MODIFY COLUMN tickets_left Nullable(UInt64);
ALTER TABLE {db}.fact_qtickets_inventory_latest_stage
    ADD COLUMN IF NOT EXISTS capacity_known UInt8 DEFAULT 1,
    MODIFY COLUMN tickets_total Nullable(UInt64),
    MODIFY COLUMN tickets_left Nullable(UInt64);
ALTER TABLE {db}.stg_qtickets_api_inventory_snapshots
    ADD COLUMN IF NOT EXISTS capacity_known UInt8 DEFAULT 1,
    MODIFY COLUMN tickets_total Nullable(UInt64),
    MODIFY COLUMN tickets_left Nullable(UInt64);

CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_inventory_zones
(
    show_id   UInt64,
    zone      String,
    capacity  Nullable(UInt64),
    left      Nullable(UInt64),
    sold      UInt64,
    reserved  UInt64
)
ENGINE = MergeTree
ORDER BY (show_id, zone);

ALTER TABLE {db}.dim_qtickets_api_events ADD COLUMN IF NOT EXISTS city_timezone String DEFAULT '';
ALTER TABLE {db}.dim_qtickets_api_shows
    ADD COLUMN IF NOT EXISTS start_local Nullable(DateTime64(3, 'UTC')),
    ADD COLUMN IF NOT EXISTS timezone String DEFAULT '';

CREATE TABLE IF NOT EXISTS {db}.bi_plan
(
    event_id        UInt64,
    show_id         UInt64,
    plan_date       Nullable(Date),
    target_tickets  UInt64,
    target_revenue  Decimal(18, 2),
    loaded_at       DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY (event_id, show_id, assumeNotNull(plan_date))
SETTINGS allow_nullable_key = 1;
