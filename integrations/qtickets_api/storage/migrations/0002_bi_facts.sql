-- What the dashboard needs beyond the daily facts: promo codes, UTM tags, scans, refunds by their own date,
-- the venue's local time, unknown capacity, zone-level inventory, and the organiser's plan.

ALTER TABLE {db}.stg_qtickets_api_orders_raw
    ADD COLUMN IF NOT EXISTS utm_source   String DEFAULT '' AFTER tickets,
    ADD COLUMN IF NOT EXISTS utm_medium   String DEFAULT '' AFTER utm_source,
    ADD COLUMN IF NOT EXISTS utm_campaign String DEFAULT '' AFTER utm_medium;

ALTER TABLE {db}.stg_qtickets_api_baskets
    ADD COLUMN IF NOT EXISTS promo_code_id UInt64 DEFAULT 0 COMMENT '0: none' AFTER refunded_amount,
    ADD COLUMN IF NOT EXISTS discount_id   UInt64 DEFAULT 0 COMMENT '0: none' AFTER promo_code_id,
    ADD COLUMN IF NOT EXISTS refunded_at   Nullable(DateTime64(3, 'UTC')) AFTER discount_id,
    ADD COLUMN IF NOT EXISTS checked_at    Nullable(DateTime64(3, 'UTC')) COMMENT 'scanned at the entrance' AFTER refunded_at;

ALTER TABLE {db}.dim_qtickets_api_events
    ADD COLUMN IF NOT EXISTS city_timezone String DEFAULT '' COMMENT 'the venue''s IANA zone (city.timezone)' AFTER city_name;

ALTER TABLE {db}.dim_qtickets_api_shows
    ADD COLUMN IF NOT EXISTS start_local Nullable(DateTime64(3, 'UTC'))
        COMMENT 'start as the venue''s wall clock, written as if UTC: format it, never convert it' AFTER finish_date,
    ADD COLUMN IF NOT EXISTS timezone String DEFAULT '' COMMENT 'the venue''s IANA zone' AFTER start_local;

CREATE TABLE IF NOT EXISTS {db}.dim_qtickets_api_promo_codes
(
    promo_code_id UInt64,
    code          String,
    is_active     UInt8,
    row_hash      String,
    version       UInt64,
    _loaded_at    DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY promo_code_id;

ALTER TABLE {db}.fact_qtickets_sales_daily
    ADD COLUMN IF NOT EXISTS show_start_local Nullable(DateTime64(3, 'UTC')) AFTER show_start,
    ADD COLUMN IF NOT EXISTS show_timezone String DEFAULT '' AFTER show_start_local;
-- Rebuilds use a stage table of their own per run from now on (two rebuilds never share one).
DROP TABLE IF EXISTS {db}.fact_qtickets_sales_daily_stage;

-- Sales at the grain every dashboard panel slices by; rebuilt with the daily facts, a month at a time.
CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_sales_detail
(
    sales_date       Date COMMENT 'payed_at date in the report time zone',
    sale_hour        UInt8 COMMENT 'payed_at hour in the report time zone',
    city             LowCardinality(String),
    event_id         UInt64,
    event_name       String,
    show_id          UInt64,
    show_start       Nullable(DateTime64(3, '{tz}')),
    show_start_local Nullable(DateTime64(3, 'UTC')) COMMENT 'the venue''s wall clock, written as if UTC',
    show_timezone    LowCardinality(String),
    zone             LowCardinality(String) COMMENT 'tariff (exhibitions) or seating zone',
    promo_code       String COMMENT 'empty: no promo code',
    utm_source       String COMMENT 'empty: no tag',
    utm_medium       String,
    utm_campaign     String,
    tickets          UInt64,
    free_tickets     UInt64 COMMENT 'tickets sold at price 0',
    revenue          Decimal(18, 2),
    original_revenue Decimal(18, 2) COMMENT 'at original prices: discount = original_revenue - revenue',
    tickets_scanned  UInt64 COMMENT 'tickets with checked_at',
    orders_state     AggregateFunction(uniqExact, UInt64) COMMENT 'uniqExactMerge: distinct orders over any rows',
    refreshed_at     DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(sales_date)
ORDER BY (sales_date, city, event_id, show_id, zone);

-- Refunds on the day they were made (not on the sale day).
CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_refunds_daily
(
    refund_date   Date COMMENT 'refunded_at date in the report time zone',
    city          LowCardinality(String),
    event_id      UInt64,
    event_name    String,
    show_id       UInt64,
    zone          LowCardinality(String),
    refunds       UInt64 COMMENT 'refunded tickets',
    refund_amount Decimal(18, 2),
    refreshed_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(refund_date)
ORDER BY (refund_date, city, event_id, show_id, zone);

-- Capacity is unknown for tariffs sold without a quantity (exhibitions): NULL, never 0 seats left.
ALTER TABLE {db}.fact_qtickets_inventory_latest
    MODIFY COLUMN tickets_total Nullable(UInt64),
    MODIFY COLUMN tickets_left Nullable(UInt64),
    ADD COLUMN IF NOT EXISTS capacity_known UInt8 DEFAULT 1 AFTER tickets_reserved;
DROP TABLE IF EXISTS {db}.fact_qtickets_inventory_latest_stage;
ALTER TABLE {db}.stg_qtickets_api_inventory_snapshots
    MODIFY COLUMN tickets_total Nullable(UInt64),
    MODIFY COLUMN tickets_left Nullable(UInt64),
    ADD COLUMN IF NOT EXISTS capacity_known UInt8 DEFAULT 1 AFTER tickets_reserved;

-- Seats per zone of every live show (a tariff of an exhibition is a zone), replaced with the inventory.
CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_inventory_zones
(
    snapshot_at      DateTime64(3, 'UTC'),
    show_id          UInt64,
    zone             LowCardinality(String),
    capacity         Nullable(UInt64) COMMENT 'NULL: unknown (sold without a quantity)',
    tickets_left     Nullable(UInt64),
    tickets_paid     UInt64,
    tickets_reserved UInt64,
    run_id           String
)
ENGINE = MergeTree
ORDER BY (show_id, zone);

-- The organiser's plan, loaded from a CSV (python -m integrations.qtickets_api.plan).
CREATE TABLE IF NOT EXISTS {db}.bi_plan
(
    event_id       UInt64,
    show_id        UInt64 COMMENT '0: the whole event',
    plan_date      Nullable(Date) COMMENT 'NULL: the whole run',
    target_tickets UInt64,
    target_revenue Decimal(18, 2),
    loaded_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(loaded_at)
ORDER BY (event_id, show_id, assumeNotNull(plan_date))
SETTINGS allow_nullable_key = 1;
