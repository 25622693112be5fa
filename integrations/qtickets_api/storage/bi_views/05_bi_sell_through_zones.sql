-- Sell-through of every live show by tariff/zone; capacity and left are NULL where unknown. zone_name is the
-- readable name the baskets' seat_name gives (of this show, else of the same code in any show), else the code.
CREATE OR REPLACE VIEW {db}.bi_sell_through_zones AS
SELECT
    i.city                                           AS city,
    i.event_id                                       AS event_id,
    i.event_name                                     AS event_name,
    z.show_id                                        AS show_id,
    i.show_start                                     AS show_start_msk,
    z.zone                                           AS zone,
    if(ifNull(n1.name, '') != '', n1.name, if(ifNull(n2.name, '') != '', n2.name, z.zone)) AS zone_name,
    if(z.capacity > 0, z.capacity, NULL)             AS capacity,
    z.tickets_paid                                   AS sold,
    z.tickets_reserved                               AS reserved,
    if(z.capacity > 0, z.tickets_left, NULL)         AS left,
    if(z.capacity > 0, z.tickets_paid / z.capacity, NULL) AS sold_share
FROM {db}.fact_qtickets_inventory_zones AS z
INNER JOIN {db}.fact_qtickets_inventory_latest AS i ON i.show_id = z.show_id
LEFT JOIN
(
    SELECT show_id, zone, if(length(groupUniqArray(zone_name)) = 1, any(zone_name), '') AS name
    FROM {db}.fact_qtickets_sales_detail GROUP BY show_id, zone
) AS n1 ON n1.show_id = z.show_id AND n1.zone = z.zone
LEFT JOIN
(
    SELECT zone, if(length(groupUniqArray(zone_name)) = 1, any(zone_name), '') AS name
    FROM {db}.fact_qtickets_sales_detail WHERE zone_name != '' GROUP BY zone
) AS n2 ON n2.zone = z.zone
SETTINGS join_use_nulls = 1
