-- Each office's times to the first acknowledgement, per month of raising: what the dashboard's medians per office
-- read (reporting.dashboard.ack_days, above 300 teams) instead of every acknowledged suggestion (5M a year at 10x).
-- A first acknowledgement's seconds ride on the row its status change adds to suggestion_cells anyway (`seconds`
-- there: no second INSERT); the delivery worker moves them (feedback.counts.merge_ack_times) into one row here per
-- region, office and month whose `times` holds all its seconds, sorted, as little-endian 8-byte doubles, before
-- it compacts the cells. Readers take the merged rows and the seconds not merged yet. Nothing here names a person
-- or a suggestion.
ALTER TABLE suggestion_cells ADD COLUMN seconds DOUBLE PRECISION;

CREATE TABLE ack_times (
    region_id INTEGER NOT NULL,
    office_id INTEGER NOT NULL,
    month DATE NOT NULL,
    seconds DOUBLE PRECISION,
    times BYTEA,
    CHECK ((seconds IS NULL) <> (times IS NULL))
);

-- What is already stored: a row of its own (`seconds`) per acknowledged suggestion, merged by the worker's next run.
INSERT INTO ack_times (region_id, office_id, month, seconds)
SELECT region_id, office_id, CAST(date_trunc('month', created_at) AS DATE),
    CAST(extract(epoch FROM acknowledged_at - created_at) AS DOUBLE PRECISION)
FROM suggestions WHERE acknowledged_at IS NOT NULL AND office_id IS NOT NULL AND region_id IS NOT NULL;
