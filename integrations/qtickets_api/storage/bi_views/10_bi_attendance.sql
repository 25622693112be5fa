-- Attendance of shows that have started: tickets sold, tickets scanned at the entrance (checked_at) and
-- scanned / sold. show_date is the show's own date in the venue's time, never a sale date.
CREATE OR REPLACE VIEW {db}.bi_attendance AS
SELECT
    show_id,
    any(event_id)                                      AS event_id,
    any(event_name)                                    AS event_name,
    any(city)                                          AS city,
    any(show_start)                                    AS show_start_msk,
    any(show_start_local)                              AS show_start_local,
    toDate(any(f.show_start_local))                      AS show_date,
    sum(tickets)                                       AS sold,
    sum(tickets_scanned)                               AS scanned,
    if(sold > 0, scanned / sold, NULL)                 AS attendance_share
FROM {db}.fact_qtickets_sales_detail AS f
WHERE f.show_start IS NOT NULL AND f.show_start <= now64(3)
GROUP BY show_id
