-- Ad spend per day and campaign with what it is mapped to, beside the sales its own tags bring (last click).
-- Attribution: an order counts for a campaign when its utm_source is the campaign's channel (yandex, ya, direct...
-- for Yandex Direct; vk, vkads, mytarget... for VK Ads) and its utm_campaign is the campaign id (the links'
-- {campaign_id} / {{campaign_id}} macro). Sales are on their payment day, spend on its own day; the campaign's
-- mapping says where the spend goes, the orders' own shows say where the revenue comes from.
-- Unmapped spend: city «не сопоставлено». Ratios are sum/sum and NULL when the denominator is 0.
CREATE OR REPLACE VIEW {db}.bi_ad_spend_daily AS
WITH
    spend AS
    (
        SELECT f.spend_date AS day, f.channel AS channel, f.campaign_id AS campaign_id,
               any(f.campaign_name) AS s_name, any(if(f.mapped_by = 'none', 'не сопоставлено', f.city)) AS s_city,
               any(f.event_id) AS s_event, any(f.show_id) AS s_show, any(f.mapped_by) AS s_by,
               sum(f.impressions) AS s_impressions, sum(f.clicks) AS s_clicks, sum(f.spend) AS s_spend,
               sum(f.spend_ex_vat) AS s_ex_vat
        FROM {db}.fact_ad_spend_daily AS f FINAL
        GROUP BY f.spend_date, f.channel, f.campaign_id
    ),
    sales AS
    (
        SELECT d.sales_date AS day,
               multiIf(lower(utm_source) IN ('yandex', 'ya', 'direct', 'yandex_direct', 'yandexdirect', 'yd'),
                       'yandex_direct',
                       lower(utm_source) IN ('vk', 'vkads', 'vk_ads', 'vkontakte', 'mytarget', 'vk_reklama'),
                       'vk_ads', '') AS channel,
               toUInt64OrZero(d.utm_campaign) AS campaign_id,
               sum(d.tickets) AS tickets, sum(d.revenue) AS revenue, uniqExactMerge(d.orders_state) AS orders
        FROM {db}.fact_qtickets_sales_detail AS d
        WHERE match(d.utm_campaign, '^[0-9]{1,19}$') AND channel != ''
        GROUP BY day, channel, campaign_id
    )
SELECT
    s.day                                                              AS spend_date,
    s.channel                                                          AS channel,
    s.campaign_id                                                      AS campaign_id,
    s.s_name                                                    AS campaign_name,
    s.s_city                                                             AS city,
    s.s_event                                                         AS event_id,
    s.s_show                                                          AS show_id,
    s.s_by                                                        AS mapped_by,
    s.s_impressions                                                      AS impressions,
    s.s_clicks                                                           AS clicks,
    s.s_spend                                                            AS spend,
    s.s_ex_vat                                                     AS spend_ex_vat,
    coalesce(o.orders, 0)                                              AS orders,
    coalesce(o.tickets, 0)                                             AS tickets,
    coalesce(o.revenue, toDecimal128(0, 2))                            AS revenue,
    if(s.s_clicks > 0, toFloat64(s.s_spend) / s.s_clicks, NULL)              AS cpc,
    if(s.s_impressions > 0, s.s_clicks / s.s_impressions, NULL)              AS ctr
FROM spend AS s
LEFT JOIN sales AS o ON o.day = s.day AND o.channel = s.channel AND o.campaign_id = s.campaign_id
SETTINGS join_use_nulls = 1
