-- The latest known capacity of every show ever snapshotted; NULL where QTickets gives none (exhibitions sold by
-- tariff) — never 0, so that no ratio turns an unknown into "0 % sold".
CREATE OR REPLACE VIEW {db}.bi_show_capacity AS
SELECT
    show_id,
    tupleElement(latest, 1)                                            AS capacity_known,
    if(tupleElement(latest, 1) = 1 AND tupleElement(latest, 2) > 0, tupleElement(latest, 2), NULL) AS capacity,
    tupleElement(latest, 3)                                            AS snapshot_at
FROM
(
    SELECT show_id, argMax(tuple(capacity_known, ifNull(tickets_total, 0), snapshot_at), snapshot_at) AS latest
    FROM {db}.stg_qtickets_api_inventory_snapshots
    GROUP BY show_id
)
