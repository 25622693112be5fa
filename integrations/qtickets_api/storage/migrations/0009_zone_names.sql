-- Tariffs and zones by their readable names: the sales detail keeps the name the API gives a basket's seat
-- (seat_name: "Детский билет (в будни)"; a numbered seat's zone, "Партер") beside the code of its seat id.
ALTER TABLE {db}.fact_qtickets_sales_detail
    ADD COLUMN IF NOT EXISTS zone_name String DEFAULT ''
        COMMENT 'readable tariff / zone name from the baskets'' seat_name, empty where the API gave none' AFTER zone;

-- Built from the stored payloads: rebuild every month on the next run so the rows of the past get their names.
INSERT INTO {db}.meta_loader_state (key, value, updated_at)
VALUES ('sales_fact_built_upto', '1970-01-01 00:00:00.000000', now64(6));
