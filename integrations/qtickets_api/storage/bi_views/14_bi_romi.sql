-- What the advertising buys, by day, channel, city, event and show: spend (where its campaign is mapped), and the
-- orders, tickets and revenue attributed to the channel's campaigns (where the orders' own shows are), last click by
-- UTM as in bi_ad_spend_daily. Two buckets of their own: spend mapped to nothing (city «не сопоставлено») and
-- orders without a UTM tag (channel «без метки», no spend). Tagged orders whose campaign id is not a loaded
-- campaign of their channel (another source, a typo, a campaign of another account) are in neither.
-- Sum the columns over any rows, then take the ratios as sum/sum (NULL where the denominator is 0);
-- orders are distinct at this grain only.
CREATE OR REPLACE VIEW {db}.bi_romi AS
WITH
    campaigns AS
    (
        SELECT DISTINCT channel, campaign_id FROM {db}.fact_ad_spend_daily
    ),
    tagged AS
    (
        SELECT sales_date, city, event_id, show_id, tickets, revenue, orders_state,
               multiIf(lower(utm_source) IN ('yandex', 'ya', 'direct', 'yandex_direct', 'yandexdirect', 'yd'),
                       'yandex_direct',
                       lower(utm_source) IN ('vk', 'vkads', 'vk_ads', 'vkontakte', 'mytarget', 'vk_reklama'),
                       'vk_ads', '') AS channel,
               toUInt64OrZero(utm_campaign) AS campaign_id
        FROM {db}.fact_qtickets_sales_detail
        WHERE utm_source != ''
    )
SELECT
    day, channel, city, event_id, show_id, spend, impressions, clicks, orders, tickets, revenue,
    if(tickets > 0, toFloat64(spend) / tickets, NULL)                           AS cost_per_ticket,
    if(orders > 0, toFloat64(spend) / orders, NULL)                             AS cost_per_order,
    if(spend > 0, toFloat64(revenue) / toFloat64(spend), NULL)                  AS roas,
    if(spend > 0, (toFloat64(revenue) - toFloat64(spend)) / toFloat64(spend), NULL) AS romi
FROM
(
    SELECT u_day AS day, u_channel AS channel, u_city AS city, u_event AS event_id, u_show AS show_id,
           sum(u_spend) AS spend, sum(u_impressions) AS impressions, sum(u_clicks) AS clicks,
           sum(u_orders) AS orders, sum(u_tickets) AS tickets, sum(u_revenue) AS revenue
    FROM
    (
        SELECT spend_date AS u_day, channel AS u_channel, if(mapped_by = 'none', 'не сопоставлено', city) AS u_city,
               event_id AS u_event, show_id AS u_show, spend AS u_spend, impressions AS u_impressions,
               clicks AS u_clicks, toUInt64(0) AS u_orders, toUInt64(0) AS u_tickets, toDecimal128(0, 2) AS u_revenue
        FROM {db}.fact_ad_spend_daily FINAL
        UNION ALL
        SELECT sales_date, channel, city, event_id, show_id, toDecimal128(0, 2), toUInt64(0), toUInt64(0),
               toUInt64(uniqExactMerge(orders_state)), toUInt64(sum(tickets)), toDecimal128(sum(revenue), 2)
        FROM tagged
        WHERE (channel, campaign_id) IN (SELECT channel, campaign_id FROM campaigns)
        GROUP BY sales_date, channel, city, event_id, show_id
        UNION ALL
        SELECT sales_date, 'без метки', city, event_id, show_id, toDecimal128(0, 2), toUInt64(0), toUInt64(0),
               toUInt64(uniqExactMerge(orders_state)), toUInt64(sum(tickets)), toDecimal128(sum(revenue), 2)
        FROM {db}.fact_qtickets_sales_detail
        WHERE utm_source = ''
        GROUP BY sales_date, city, event_id, show_id
    )
    GROUP BY u_day, u_channel, u_city, u_event, u_show
)
