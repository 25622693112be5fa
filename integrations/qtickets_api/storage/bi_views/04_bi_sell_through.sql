-- Every live show (not deleted, not over) from the latest seat snapshot: capacity or NULL (unknown), sold,
-- reserved, left and % sold = sold / capacity (NULL when capacity is unknown).
CREATE OR REPLACE VIEW {db}.bi_sell_through AS
SELECT
    i.city                                                  AS city,
    i.event_id                                              AS event_id,
    i.event_name                                            AS event_name,
    i.show_id                                               AS show_id,
    i.show_start                                            AS show_start_msk,
    s.start_local                                           AS show_start_local,
    s.timezone                                              AS show_timezone,
    i.capacity_known                                        AS capacity_known,
    if(i.capacity_known = 1 AND i.tickets_total > 0, i.tickets_total, NULL) AS capacity,
    i.tickets_paid                                          AS sold,
    i.tickets_reserved                                      AS reserved,
    if(i.capacity_known = 1, i.tickets_left, NULL)          AS left,
    if(capacity > 0, i.tickets_paid / capacity, NULL)       AS sold_share,
    i.snapshot_at                                           AS snapshot_at
FROM {db}.fact_qtickets_inventory_latest AS i
LEFT JOIN (SELECT show_id, start_local, timezone FROM {db}.dim_qtickets_api_shows FINAL) AS s ON s.show_id = i.show_id
SETTINGS join_use_nulls = 1
