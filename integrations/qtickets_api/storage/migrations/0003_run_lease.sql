-- The run lease: one loader run at a time against this ClickHouse, from any host, container or thread.
-- Append-only: a claim, its renewals and its release are rows; the holder is the earliest live claim.
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

-- Rejected records are written once per distinct record, not again by every overlapping run.
ALTER TABLE {db}.stg_qtickets_api_rejects
    ADD COLUMN IF NOT EXISTS record_key String DEFAULT '' COMMENT 'sha1 of the record as the API sent it' AFTER reason;
