-- Sales by sale date and promo code; orders without a code are the explicit bucket 'без промокода'.
CREATE OR REPLACE VIEW {db}.bi_promo_daily AS
SELECT
    sales_date,
    city,
    event_id,
    event_name,
    if(promo_code = '', 'без промокода', promo_code)   AS promo_code,
    sum(tickets)                                        AS tickets,
    sum(revenue)                                        AS revenue,
    sum(f.original_revenue) - sum(f.revenue)                AS discount,
    uniqExactMerge(orders_state)                        AS orders
FROM {db}.fact_qtickets_sales_detail AS f
GROUP BY sales_date, city, event_id, event_name, promo_code
