-- Refunded tickets by refund date (refunded_at, Moscow time) x city x event x show x tariff/zone.
CREATE OR REPLACE VIEW {db}.bi_refunds_daily AS
SELECT
    refund_date,
    city,
    event_id,
    event_name,
    show_id,
    zone,
    sum(refunds)        AS refunds,
    sum(refund_amount)  AS refund_amount
FROM {db}.fact_qtickets_refunds_daily
GROUP BY refund_date, city, event_id, event_name, show_id, zone
