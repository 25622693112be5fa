-- Sales by sale date (payed_at, Moscow time) x city x event x show x tariff/zone.
-- orders is exact at this grain only: an order with tickets in two zones counts once in each row, so never sum
-- it across rows (the dashboard merges the fact's order sets instead).
CREATE OR REPLACE VIEW {db}.bi_sales_daily AS
SELECT
    sales_date,
    city,
    event_id,
    event_name,
    show_id,
    show_start                                AS show_start_msk,
    show_start_local,
    show_timezone,
    zone,
    sum(tickets)                              AS tickets,
    sum(free_tickets)                         AS free_tickets,
    sum(revenue)                              AS revenue,
    sum(f.original_revenue) - sum(f.revenue)      AS discount,
    uniqExactMerge(orders_state)              AS orders,
    if(length(groupUniqArray(zone_name)) = 1, any(zone_name), '') AS zone_name
FROM {db}.fact_qtickets_sales_detail AS f
GROUP BY sales_date, city, event_id, event_name, show_id, show_start, show_start_local, show_timezone, zone
