-- Pace of every show: tickets and revenue by days before the show (its Moscow date minus the sale date), with the
-- running totals from the first sale on, and the running share of capacity where capacity is known.
CREATE OR REPLACE VIEW {db}.bi_pace AS
SELECT
    p.show_id                                                       AS show_id,
    p.event_id                                                      AS event_id,
    p.event_name                                                    AS event_name,
    p.city                                                          AS city,
    p.show_start_msk                                                AS show_start_msk,
    p.days_before                                                   AS days_before,
    p.tickets                                                       AS tickets,
    p.revenue                                                       AS revenue,
    sum(p.tickets) OVER w                                           AS tickets_cum,
    sum(p.revenue) OVER w                                           AS revenue_cum,
    c.capacity                                                      AS capacity,
    if(c.capacity > 0, tickets_cum / c.capacity, NULL)              AS capacity_share_cum
FROM
(
    SELECT
        show_id,
        any(event_id)                                               AS event_id,
        any(event_name)                                             AS event_name,
        any(city)                                                   AS city,
        any(show_start)                                             AS show_start_msk,
        toInt32(dateDiff('day', sales_date, toDate(assumeNotNull(show_start)))) AS days_before,
        sum(tickets)                                                AS tickets,
        sum(revenue)                                                AS revenue
    FROM {db}.fact_qtickets_sales_detail
    WHERE show_start IS NOT NULL
    GROUP BY show_id, days_before
) AS p
LEFT JOIN {db}.bi_show_capacity AS c ON c.show_id = p.show_id
WINDOW w AS (PARTITION BY p.show_id ORDER BY p.days_before DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
SETTINGS join_use_nulls = 1
