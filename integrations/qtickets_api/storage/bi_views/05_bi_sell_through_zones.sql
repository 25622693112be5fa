-- Sell-through of every live show by tariff/zone; capacity and left are NULL where unknown.
CREATE OR REPLACE VIEW {db}.bi_sell_through_zones AS
SELECT
    i.city                                           AS city,
    i.event_id                                       AS event_id,
    i.event_name                                     AS event_name,
    z.show_id                                        AS show_id,
    i.show_start                                     AS show_start_msk,
    z.zone                                           AS zone,
    if(z.capacity > 0, z.capacity, NULL)             AS capacity,
    z.tickets_paid                                   AS sold,
    z.tickets_reserved                               AS reserved,
    if(z.capacity > 0, z.tickets_left, NULL)         AS left,
    if(z.capacity > 0, z.tickets_paid / z.capacity, NULL) AS sold_share
FROM {db}.fact_qtickets_inventory_zones AS z
INNER JOIN {db}.fact_qtickets_inventory_latest AS i ON i.show_id = z.show_id
