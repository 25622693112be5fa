-- The fenced run lease: every claim carries a generation that only grows, and a publishing step refuses unless its
-- claim's generation is still the newest. This file is also applied before every other migration (they run under
-- the lease), so each statement stands on its own and may run again: the table as 0003 made it, then the fence.
CREATE TABLE IF NOT EXISTS {db}.meta_run_lease
(
    name       LowCardinality(String),
    token      String COMMENT 'one claim: random, never reused',
    holder     String COMMENT 'host, pid and what started the run, for messages',
    claimed_at DateTime64(6, 'UTC') COMMENT 'server time of the claim',
    expires_at DateTime64(6, 'UTC') COMMENT 'renewed while the run lives, set to now by the release',
    at         DateTime64(6, 'UTC') COMMENT 'server time of this row'
)
ENGINE = MergeTree
ORDER BY (name, at)
TTL toDateTime(at) + INTERVAL 7 DAY;

ALTER TABLE {db}.meta_run_lease
    ADD COLUMN IF NOT EXISTS generation UInt64 DEFAULT 0 COMMENT 'of the claim: max + 1 when claimed; its renewals and release repeat it';

-- A claim inserts with the deduplication token of its generation: of two claims of one generation only the first
-- insert lands, which is the compare-and-set ClickHouse does not otherwise have.
ALTER TABLE {db}.meta_run_lease MODIFY SETTING non_replicated_deduplication_window = 1000;

-- The newest generation of each lease outlives the log's 7 days, so a generation is never given out twice.
CREATE TABLE IF NOT EXISTS {db}.meta_lease_generation
(
    name       LowCardinality(String),
    generation UInt64,
    at         DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(generation)
ORDER BY name;
