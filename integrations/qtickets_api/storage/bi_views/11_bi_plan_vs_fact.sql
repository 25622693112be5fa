-- The organiser's plan (the latest CSV loaded by `python -m integrations.qtickets_api.plan`) against the sales.
-- A row without plan_date is a target for the whole run of the event (show_id 0) or of one show; a row with
-- plan_date is a target to reach by the end of that day, compared with the sales up to and including it.
CREATE OR REPLACE VIEW {db}.bi_plan_vs_fact AS
SELECT
    p.event_id                                                       AS event_id,
    p.show_id                                                        AS show_id,
    any(f.event_name)                                                AS event_name,
    any(f.city)                                                      AS city,
    p.plan_date                                                      AS plan_date,
    p.target_tickets                                                 AS target_tickets,
    p.target_revenue                                                 AS target_revenue,
    sumIf(f.tickets, (p.show_id = 0 OR f.show_id = p.show_id) AND (p.plan_date IS NULL OR f.sales_date <= p.plan_date))
                                                                     AS fact_tickets,
    sumIf(f.revenue, (p.show_id = 0 OR f.show_id = p.show_id) AND (p.plan_date IS NULL OR f.sales_date <= p.plan_date))
                                                                     AS fact_revenue,
    if(p.target_tickets > 0, fact_tickets / p.target_tickets, NULL)  AS tickets_share,
    if(p.target_revenue > 0, toFloat64(fact_revenue) / toFloat64(p.target_revenue), NULL) AS revenue_share
FROM
(
    SELECT event_id, show_id, plan_date, target_tickets, target_revenue
    FROM {db}.bi_plan FINAL
    WHERE loaded_at = (SELECT max(loaded_at) FROM {db}.bi_plan)
) AS p
LEFT JOIN
(
    SELECT event_id, show_id, sales_date, any(event_name) AS event_name, any(city) AS city,
           sum(tickets) AS tickets, sum(revenue) AS revenue
    FROM {db}.fact_qtickets_sales_detail
    WHERE event_id IN (SELECT event_id FROM {db}.bi_plan)
    GROUP BY event_id, show_id, sales_date
) AS f ON f.event_id = p.event_id
GROUP BY p.event_id, p.show_id, p.plan_date, p.target_tickets, p.target_revenue
