"""VK Ads spend: daily ad plan (campaign) statistics from the API v2 into ``zakaz.fact_ad_spend_daily``."""
