-- What the promoter has been told about each alert (python -m integrations.qtickets_api.notify --check, and the
-- service's timer): a row per change, the latest row per key wins. A restart reads it back, so an alert is sent
-- once when it starts and once when it is resolved, never again and never lost. The digest's sent days too.
CREATE TABLE IF NOT EXISTS {db}.meta_alert_state
(
    alert_key   String COMMENT 'kind:subject, e.g. no_sales:123 or loader_failed',
    active      UInt8 COMMENT 'the condition as last evaluated',
    notified    UInt8 COMMENT 'what the chats were last told: 1 started, 0 resolved (or never told)',
    since       DateTime64(3, 'UTC') COMMENT 'when the condition last changed',
    detail      String COMMENT 'the last message text (Russian, no personal data)',
    updated_at  DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY alert_key;
