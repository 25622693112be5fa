"""Yandex Direct spend: daily campaign statistics from the Reports API v5 into ``zakaz.fact_ad_spend_daily``."""
