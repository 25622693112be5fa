-- Sales by sale date and UTM source / medium / campaign; untagged orders are the explicit bucket 'без метки'.
CREATE OR REPLACE VIEW {db}.bi_utm_daily AS
SELECT
    sales_date,
    city,
    event_id,
    event_name,
    if(utm_source = '', 'без метки', utm_source)       AS utm_source,
    if(utm_medium = '', 'без метки', utm_medium)       AS utm_medium,
    if(utm_campaign = '', 'без метки', utm_campaign)   AS utm_campaign,
    sum(tickets)                                        AS tickets,
    sum(revenue)                                        AS revenue,
    uniqExactMerge(orders_state)                        AS orders
FROM {db}.fact_qtickets_sales_detail
GROUP BY sales_date, city, event_id, event_name, utm_source, utm_medium, utm_campaign
