-- Staging: one row per order version (raw payload without buyers' personal data).
CREATE TABLE IF NOT EXISTS {db}.stg_qtickets_api_orders_raw
(
    order_id      UInt64,
    version       UInt64 COMMENT 'ms of the latest change seen in the order (updated_at, payment, deletion, basket changes)',
    order_ts      DateTime64(3, 'UTC') COMMENT 'created_at',
    updated_at    DateTime64(3, 'UTC'),
    payed         UInt8,
    payed_at      Nullable(DateTime64(3, 'UTC')),
    deleted_at    Nullable(DateTime64(3, 'UTC')),
    event_id      UInt64,
    price         Decimal(18, 2),
    currency_id   LowCardinality(String),
    baskets_count UInt32,
    tickets       UInt32,
    payload       String CODEC(ZSTD(3)),
    run_id        String,
    _loaded_at    DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY order_id;

-- Staging: baskets (tickets) of every order version; the fact rebuild reads the latest version.
CREATE TABLE IF NOT EXISTS {db}.stg_qtickets_api_baskets
(
    order_id        UInt64,
    basket_id       UInt64,
    version         UInt64,
    event_id        UInt64,
    show_id         UInt64,
    seat_id         String,
    zone            LowCardinality(String),
    price           Decimal(18, 2),
    original_price  Decimal(18, 2),
    quantity        UInt32,
    basket_deleted  UInt8,
    refunded        UInt8,
    refunded_amount Decimal(18, 2),
    _loaded_at      DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (order_id, basket_id);

-- Records the API sent that could not be parsed, with the reason (personal data removed).
CREATE TABLE IF NOT EXISTS {db}.stg_qtickets_api_rejects
(
    run_id      String,
    rejected_at DateTime64(3, 'UTC'),
    entity      LowCardinality(String),
    entity_id   String,
    reason      String,
    payload     String CODEC(ZSTD(3))
)
ENGINE = MergeTree
ORDER BY (rejected_at, entity);

CREATE TABLE IF NOT EXISTS {db}.dim_qtickets_api_events
(
    event_id    UInt64,
    name        String,
    city_id     UInt64,
    city_name   String,
    place_name  String,
    is_active   UInt8,
    deleted_at  Nullable(DateTime64(3, 'UTC')),
    row_hash    String,
    version     UInt64,
    _loaded_at  DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY event_id;

CREATE TABLE IF NOT EXISTS {db}.dim_qtickets_api_shows
(
    show_id     UInt64,
    event_id    UInt64,
    start_date  Nullable(DateTime64(3, 'UTC')),
    finish_date Nullable(DateTime64(3, 'UTC')),
    is_active   UInt8,
    deleted_at  Nullable(DateTime64(3, 'UTC')),
    row_hash    String,
    version     UInt64,
    _loaded_at  DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY show_id;

-- Daily sales: rebuilt a month partition at a time and swapped in atomically, so a plain
-- SELECT sum(revenue) never sees duplicates or a half-written month.
CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_sales_daily
(
    sales_date    Date COMMENT 'payed_at date in the report time zone',
    sale_ts       DateTime64(3, '{tz}') COMMENT 'latest payment in this row',
    city          LowCardinality(String),
    event_id      UInt64,
    event_name    String,
    show_id       UInt64,
    show_start    Nullable(DateTime64(3, '{tz}')),
    tickets_sold  UInt64,
    revenue       Decimal(18, 2),
    orders        UInt64,
    refreshed_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(sales_date)
ORDER BY (sales_date, city, event_id, show_id);

CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_sales_daily_stage AS {db}.fact_qtickets_sales_daily;

-- Seats left per show that is not over: replaced as a whole each run.
CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_inventory_latest
(
    snapshot_at      DateTime64(3, 'UTC'),
    city             LowCardinality(String),
    event_id         UInt64,
    event_name       String,
    show_id          UInt64,
    show_start       Nullable(DateTime64(3, '{tz}')),
    tickets_total    UInt64,
    tickets_left     UInt64,
    tickets_paid     UInt64,
    tickets_reserved UInt64,
    seats_records    UInt32,
    run_id           String
)
ENGINE = MergeTree
ORDER BY (city, event_id, show_id);

CREATE TABLE IF NOT EXISTS {db}.fact_qtickets_inventory_latest_stage AS {db}.fact_qtickets_inventory_latest;

-- Every snapshot ever taken, for sell-through over time.
CREATE TABLE IF NOT EXISTS {db}.stg_qtickets_api_inventory_snapshots AS {db}.fact_qtickets_inventory_latest
ENGINE = MergeTree
PARTITION BY toYYYYMM(snapshot_at)
ORDER BY (show_id, snapshot_at);

CREATE TABLE IF NOT EXISTS {db}.meta_job_runs
(
    run_id        String,
    job           LowCardinality(String),
    started_at    DateTime64(3, 'UTC'),
    finished_at   DateTime64(3, 'UTC'),
    status        LowCardinality(String),
    window_since  DateTime64(3, 'UTC'),
    window_until  DateTime64(3, 'UTC'),
    rows          Map(String, UInt64),
    api_requests  UInt32,
    retries       UInt32,
    rejected      UInt32,
    error         String,
    loader_version String,
    host          String,
    org_name      String
)
ENGINE = MergeTree
ORDER BY (job, started_at);

-- Small key/value state of the loader (the fact rebuild watermark).
CREATE TABLE IF NOT EXISTS {db}.meta_loader_state
(
    key        String,
    value      String,
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY key;
