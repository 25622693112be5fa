-- ClickHouse server bootstrap for zakaz-dashboard. Run once as an admin, e.g.
--   clickhouse-client --user=admin --password=... --multiquery < deploy/clickhouse/bootstrap.sql
-- after replacing the two passwords. The loader creates and migrates its own tables on first run;
-- the grants below are on the database, so they cover tables added by later migrations.
CREATE DATABASE IF NOT EXISTS zakaz;

-- The loader: read and insert into zakaz.* and manage its own schema and partitions; nothing else.
CREATE USER IF NOT EXISTS etl_writer IDENTIFIED WITH sha256_password BY 'CHANGE_ME_writer';
GRANT SELECT, INSERT, CREATE TABLE, CREATE DATABASE, ALTER TABLE, TRUNCATE ON zakaz.* TO etl_writer;

-- BI tools (DataLens, Grafana, Superset, Metabase): read-only (readonly = 2 still lets the tool set query settings), bounded.
CREATE SETTINGS PROFILE IF NOT EXISTS bi_readonly SETTINGS readonly = 2, max_execution_time = 60, max_result_rows = 1000000;
CREATE USER IF NOT EXISTS bi_reader IDENTIFIED WITH sha256_password BY 'CHANGE_ME_reader' SETTINGS PROFILE 'bi_readonly';
GRANT SELECT ON zakaz.* TO bi_reader;
