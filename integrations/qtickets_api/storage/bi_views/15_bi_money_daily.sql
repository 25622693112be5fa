-- The three money figures per day x city x event x show, each labelled as on the page:
--   tickets / revenue             «Продано (без возвратов)» — tickets still valid, by sale date (a refunded or
--                                  cancelled ticket leaves its sale day);
--   gross_tickets / gross_revenue «Оплачено» — everything paid that day, refunded later or not (never changes);
--   refunds / refund_amount       «Возвраты» — by refund date (the day of the row is the refund's day);
--   cash_revenue                  «Касса» = gross_revenue − refund_amount.
-- Sum any of them over rows; none subtracts a refund twice (over all time gross_tickets − refunds = tickets).
CREATE OR REPLACE VIEW {db}.bi_money_daily AS
SELECT
    day                                              AS sales_date,
    city,
    event_id,
    any(event_name)                                  AS event_name,
    show_id,
    sum(m_tickets)                                   AS tickets,
    sum(m_revenue)                                   AS revenue,
    sum(m_tickets) + sum(m_later_tickets)            AS gross_tickets,
    sum(m_revenue) + sum(m_later_revenue)            AS gross_revenue,
    sum(m_refunds)                                   AS refunds,
    sum(m_refund_amount)                             AS refund_amount,
    gross_revenue - refund_amount                    AS cash_revenue
FROM
(
    SELECT sales_date AS day, city, event_id, event_name, show_id, tickets AS m_tickets,
           toDecimal128(revenue, 2) AS m_revenue, toUInt64(0) AS m_later_tickets,
           toDecimal128(0, 2) AS m_later_revenue, toUInt64(0) AS m_refunds, toDecimal128(0, 2) AS m_refund_amount
    FROM {db}.fact_qtickets_sales_detail
    UNION ALL
    SELECT sales_date, city, event_id, event_name, show_id, toUInt64(0), toDecimal128(0, 2), refunds,
           toDecimal128(refunded_revenue, 2), toUInt64(0), toDecimal128(0, 2)
    FROM {db}.fact_qtickets_refunds_daily
    UNION ALL
    SELECT refund_date, city, event_id, event_name, show_id, toUInt64(0), toDecimal128(0, 2), toUInt64(0),
           toDecimal128(0, 2), refunds, toDecimal128(refund_amount, 2)
    FROM {db}.fact_qtickets_refunds_daily
)
GROUP BY day, city, event_id, show_id
