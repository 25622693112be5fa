"""Every table the product writes, with the columns our inserts fill, in one place.

The migrations (``migrations/*.sql``) create these tables; this module is what the Python side knows of
them: table names for queries and, for the tables we insert into, the column order our rows follow. A test
checks both against the tables the migrations actually create, so neither can drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...] = ()  # the columns our inserts fill, in row order (empty: we only read it)

    def __str__(self) -> str:
        return self.name


ORDERS_RAW = Table("stg_qtickets_api_orders_raw", (
    "order_id", "version", "order_ts", "updated_at", "payed", "payed_at", "deleted_at", "event_id",
    "price", "currency_id", "baskets_count", "tickets", "utm_source", "utm_medium", "utm_campaign", "payload",
    "run_id", "_loaded_at",
))  # fmt: skip
BASKETS = Table("stg_qtickets_api_baskets", (
    "order_id", "basket_id", "version", "event_id", "show_id", "seat_id", "zone", "price",
    "original_price", "quantity", "basket_deleted", "refunded", "refunded_amount", "promo_code_id", "discount_id",
    "refunded_at", "checked_at", "_loaded_at",
))  # fmt: skip
REJECTS = Table(
    "stg_qtickets_api_rejects", ("run_id", "rejected_at", "entity", "entity_id", "reason", "record_key", "payload")
)
EVENTS = Table("dim_qtickets_api_events", (
    "event_id", "name", "city_id", "city_name", "city_timezone", "place_name", "is_active", "deleted_at",
    "row_hash", "version", "_loaded_at",
))  # fmt: skip
SHOWS = Table(
    "dim_qtickets_api_shows",
    (
        "show_id",
        "event_id",
        "start_date",
        "finish_date",
        "start_local",
        "timezone",
        "is_active",
        "deleted_at",
        "row_hash",
        "version",
        "_loaded_at",
    ),
)
PROMO_CODES = Table("dim_qtickets_api_promo_codes", (
    "promo_code_id", "code", "is_active", "row_hash", "version", "_loaded_at",
))  # fmt: skip
SALES_DAILY = Table("fact_qtickets_sales_daily", (
    "sales_date", "sale_ts", "city", "event_id", "event_name", "show_id", "show_start", "show_start_local",
    "show_timezone", "tickets_sold", "revenue", "orders", "refreshed_at",
))  # fmt: skip
SALES_DETAIL = Table(
    "fact_qtickets_sales_detail",
    (
        "sales_date",
        "sale_hour",
        "sale_ts",
        "city",
        "event_id",
        "event_name",
        "show_id",
        "show_start",
        "show_start_local",
        "show_timezone",
        "zone",
        "promo_code",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "tickets",
        "free_tickets",
        "revenue",
        "original_revenue",
        "tickets_scanned",
        "orders_state",
        "refreshed_at",
        "zone_name",
    ),
)
REFUNDS_DAILY = Table(
    "fact_qtickets_refunds_daily",
    (
        "refund_date",
        "city",
        "event_id",
        "event_name",
        "show_id",
        "zone",
        "refunds",
        "refund_amount",
        "refreshed_at",
        "sales_date",
        "refunded_revenue",
    ),
)

INVENTORY = Table("fact_qtickets_inventory_latest", (
    "snapshot_at", "city", "event_id", "event_name", "show_id", "show_start", "tickets_total",
    "tickets_left", "tickets_paid", "tickets_reserved", "capacity_known", "seats_records", "run_id",
))  # fmt: skip
INVENTORY_SNAPSHOTS = Table("stg_qtickets_api_inventory_snapshots", INVENTORY.columns)
INVENTORY_ZONES = Table(
    "fact_qtickets_inventory_zones",
    (
        "snapshot_at",
        "show_id",
        "zone",
        "capacity",
        "tickets_left",
        "tickets_paid",
        "tickets_reserved",
        "run_id",
    ),
)
PLAN = Table("bi_plan", ("event_id", "show_id", "plan_date", "target_tickets", "target_revenue", "loaded_at"))
JOB_RUNS = Table("meta_job_runs", (
    "run_id", "job", "started_at", "finished_at", "status", "window_since", "window_until", "rows",
    "api_requests", "retries", "rejected", "error", "loader_version", "host", "org_name",
))  # fmt: skip
LOADER_STATE = Table("meta_loader_state", ("key", "value", "updated_at"))
RUN_LEASE = Table("meta_run_lease", ("name", "token", "holder", "claimed_at", "expires_at", "at", "generation"))
LEASE_GENERATION = Table("meta_lease_generation", ("name", "generation", "at"))
ALERT_STATE = Table("meta_alert_state", ("alert_key", "active", "notified", "since", "detail", "updated_at"))
MIGRATIONS = Table("meta_schema_migrations", ("version", "name", "checksum", "applied_at"))
# advertising spend (integrations.ad_spend, integrations.yandex_direct, integrations.vk_ads)
AD_SPEND = Table("fact_ad_spend_daily", (
    "spend_date", "channel", "account", "campaign_id", "campaign_name", "impressions", "clicks", "spend",
    "spend_ex_vat", "vat_rate", "vat_source", "city", "event_id", "show_id", "mapped_by", "run_id", "loaded_at",
))  # fmt: skip
AD_RULES = Table(
    "dim_ad_campaign_rules", ("position", "channel", "pattern", "city", "event_id", "show_id", "loaded_at")
)
VK_TOKEN = Table("meta_vk_ads_token", ("client_fp", "access_token", "refresh_token", "expires_at", "updated_at"))

ALL = (
    ORDERS_RAW, BASKETS, REJECTS, EVENTS, SHOWS, PROMO_CODES, SALES_DAILY, SALES_DETAIL, REFUNDS_DAILY, INVENTORY,
    INVENTORY_SNAPSHOTS, INVENTORY_ZONES, PLAN, JOB_RUNS, LOADER_STATE, RUN_LEASE, LEASE_GENERATION, ALERT_STATE,
    MIGRATIONS, AD_SPEND, AD_RULES, VK_TOKEN,
)  # fmt: skip
