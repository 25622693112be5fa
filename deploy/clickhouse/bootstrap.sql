-- ClickHouse server bootstrap for zakaz-dashboard. Run once as an admin, e.g.
--   clickhouse-client --user=admin --password=... --multiquery < deploy/clickhouse/bootstrap.sql
-- after replacing the two passwords. The loader creates and migrates its own tables on first run;
-- the writer's grants are on the database, so they cover tables added by later migrations; the reader's name
-- each table and view it may read (re-run this file after an upgrade that adds a view).
CREATE DATABASE IF NOT EXISTS zakaz;

-- The loader: read and insert into zakaz.* and manage its own schema, partitions, per-run stage tables (created
-- and dropped by every fact rebuild), payload scrubs (ALTER UPDATE) and the bi_* views; nothing else.
CREATE USER IF NOT EXISTS etl_writer IDENTIFIED WITH sha256_password BY 'CHANGE_ME_writer';
GRANT SELECT, INSERT, CREATE TABLE, CREATE VIEW, CREATE DATABASE, ALTER TABLE, ALTER VIEW, DROP TABLE, DROP VIEW,
    TRUNCATE ON zakaz.* TO etl_writer;

-- BI tools (DataLens, Grafana, Superset, Metabase): read-only (readonly = 2 still lets the tool set query settings), bounded.
CREATE SETTINGS PROFILE IF NOT EXISTS bi_readonly SETTINGS readonly = 2, max_execution_time = 60, max_result_rows = 1000000;
CREATE USER IF NOT EXISTS bi_reader IDENTIFIED WITH sha256_password BY 'CHANGE_ME_reader' SETTINGS PROFILE 'bi_readonly';
-- The BI layer only: the facts and dimensions the dashboard and the views read, and the views. Never staging (order
-- payloads), rejects, the run lease or the loader's state. A test holds this list to what the views read.
REVOKE ALL ON zakaz.* FROM bi_reader;
GRANT SELECT ON zakaz.fact_qtickets_sales_daily TO bi_reader;
GRANT SELECT ON zakaz.fact_qtickets_sales_detail TO bi_reader;
GRANT SELECT ON zakaz.fact_qtickets_refunds_daily TO bi_reader;
GRANT SELECT ON zakaz.fact_qtickets_inventory_latest TO bi_reader;
GRANT SELECT ON zakaz.fact_qtickets_inventory_zones TO bi_reader;
GRANT SELECT ON zakaz.stg_qtickets_api_inventory_snapshots TO bi_reader;
GRANT SELECT ON zakaz.dim_qtickets_api_events TO bi_reader;
GRANT SELECT ON zakaz.dim_qtickets_api_shows TO bi_reader;
GRANT SELECT ON zakaz.dim_qtickets_api_promo_codes TO bi_reader;
GRANT SELECT ON zakaz.bi_plan TO bi_reader;
GRANT SELECT ON zakaz.fact_ad_spend_daily TO bi_reader;
GRANT SELECT ON zakaz.bi_ad_spend_daily TO bi_reader;
GRANT SELECT ON zakaz.bi_romi TO bi_reader;
GRANT SELECT ON zakaz.meta_job_runs TO bi_reader;
GRANT SELECT ON zakaz.bi_attendance TO bi_reader;
GRANT SELECT ON zakaz.bi_freshness TO bi_reader;
GRANT SELECT ON zakaz.bi_money_daily TO bi_reader;
GRANT SELECT ON zakaz.bi_pace TO bi_reader;
GRANT SELECT ON zakaz.bi_plan_vs_fact TO bi_reader;
GRANT SELECT ON zakaz.bi_promo_daily TO bi_reader;
GRANT SELECT ON zakaz.bi_refunds_daily TO bi_reader;
GRANT SELECT ON zakaz.bi_sales_daily TO bi_reader;
GRANT SELECT ON zakaz.bi_sales_hourly TO bi_reader;
GRANT SELECT ON zakaz.bi_sell_through TO bi_reader;
GRANT SELECT ON zakaz.bi_sell_through_zones TO bi_reader;
GRANT SELECT ON zakaz.bi_show_capacity TO bi_reader;
GRANT SELECT ON zakaz.bi_utm_daily TO bi_reader;
