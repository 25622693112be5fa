-- Sales by Moscow hour of payment and weekday (1 = Monday ... 7 = Sunday), by sale date, city, event and show.
CREATE OR REPLACE VIEW {db}.bi_sales_hourly AS
SELECT
    sales_date,
    toDayOfWeek(sales_date)          AS weekday,
    sale_hour,
    city,
    event_id,
    event_name,
    show_id,
    sum(tickets)                     AS tickets,
    sum(revenue)                     AS revenue,
    uniqExactMerge(orders_state)     AS orders
FROM {db}.fact_qtickets_sales_detail
GROUP BY sales_date, sale_hour, city, event_id, event_name, show_id
