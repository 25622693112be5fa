-- Advertising spend from Yandex Direct and VK Ads, a row per day and campaign, and what it is mapped to.
-- Each run re-reads the last days (spend settles over a day or two): a newer row replaces an older one (FINAL).
CREATE TABLE IF NOT EXISTS {db}.fact_ad_spend_daily
(
    spend_date    Date COMMENT 'the day of the spend as the ad account counts it (its own time zone, Moscow)',
    channel       LowCardinality(String) COMMENT 'yandex_direct | vk_ads',
    account       String COMMENT 'Direct: the Client-Login or own, VK Ads: the fingerprint of the client id',
    campaign_id   UInt64,
    campaign_name String,
    impressions   UInt64,
    clicks        UInt64,
    spend         Decimal(18, 2) COMMENT 'roubles charged, VAT included',
    spend_ex_vat  Decimal(18, 2) COMMENT 'roubles without VAT',
    vat_rate      Decimal(5, 2) COMMENT 'VAT percent used between the two',
    vat_source    LowCardinality(String) COMMENT 'reported: the API gave spend with VAT, computed: spend = ex VAT x rate',
    city          String COMMENT 'mapped city, empty: not mapped',
    event_id      UInt64 COMMENT 'mapped event, 0: none',
    show_id       UInt64 COMMENT 'mapped show, 0: none or the whole event',
    mapped_by     LowCardinality(String) COMMENT 'rules | utm_content | utm_campaign | none',
    run_id        String,
    loaded_at     DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY toYYYYMM(spend_date)
ORDER BY (channel, account, campaign_id, spend_date);

-- The organiser's rules: campaign name pattern -> city / event / show (python -m integrations.ad_spend.rules).
CREATE TABLE IF NOT EXISTS {db}.dim_ad_campaign_rules
(
    position  UInt32 COMMENT 'line of the file, the first matching rule wins',
    channel   LowCardinality(String) COMMENT 'empty: any channel',
    pattern   String COMMENT 'glob on the campaign name, case-insensitive (* any text, ? one character)',
    city      String,
    event_id  UInt64,
    show_id   UInt64,
    loaded_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (loaded_at, position);

-- The VK Ads token of this client, kept so that a run reuses or refreshes it instead of taking a new one
-- (VK Ads allows 5 live tokens per client). A secret: never granted to the dashboard's reader, never logged.
CREATE TABLE IF NOT EXISTS {db}.meta_vk_ads_token
(
    client_fp     String COMMENT 'fingerprint of the client id and secret',
    access_token  String,
    refresh_token String,
    expires_at    DateTime64(3, 'UTC'),
    updated_at    DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY client_fp;
