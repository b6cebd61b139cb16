-- Summaries the dashboards read instead of the raw rows, written in the same transaction as every write they
-- count, so they are never stale.

-- The suggestions (board/feedback/counts.py), by the month they were raised in (the first day of the UTC month) and
-- category, per measure: 'status' (how many are in each status), 'implemented' (in the month event_month), 'escalated'
-- (in event_month, to the level), 'acknowledged' and 'resolved' (how long it took, in buckets 2% wide on a log
-- scale of minutes + 1). Rows exist per grain: 'team', 'office', 'region' and 'org' (the whole organisation), a
-- grain's finer unit ids being 0, so that a dashboard reads only the rows of the unit it shows. A suggestion
-- without a team (raised to its office) counts from the office grain up. A write adds its changes as new rows
-- (n = +1 or -1, not settled); readers sum a cell's rows; the delivery worker merges the new rows into one settled
-- row per cell. No key: an insert never waits for another write's lock.
CREATE TABLE suggestion_cells (
    grain VARCHAR NOT NULL,
    region_id INTEGER NOT NULL,
    office_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    month DATE NOT NULL,
    category VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    status VARCHAR,
    level VARCHAR,
    bucket INTEGER,
    event_month DATE,
    n BIGINT NOT NULL,
    settled BOOLEAN NOT NULL
);

-- The pulse answers of each closed period per cell (a cell is a team, or after generalisation an office, region
-- or the organisation: NULL ids), written when the period closes (morale.pulse.seal). An open period has no rows:
-- its results are never shown, and nothing here moves while people answer.
CREATE TABLE pulse_cells (
    period_id INTEGER NOT NULL,
    team_id INTEGER,
    office_id INTEGER,
    region_id INTEGER,
    answers BIGINT NOT NULL,
    mood BIGINT NOT NULL,
    promoters BIGINT NOT NULL,
    detractors BIGINT NOT NULL
);
CREATE INDEX pulse_cells_period ON pulse_cells (period_id);

-- What is already stored, counted once (as feedback.counts.rebuild counts it).
CREATE TEMP TABLE grains AS SELECT * FROM (VALUES ('org'), ('region'), ('office'), ('team')) g (grain);

INSERT INTO suggestion_cells
SELECT g.grain, CASE WHEN g.grain = 'org' THEN 0 ELSE s.region_id END,
    CASE WHEN g.grain IN ('office', 'team') THEN s.office_id ELSE 0 END,
    CASE WHEN g.grain = 'team' THEN s.team_id ELSE 0 END,
    CAST(date_trunc('month', s.created_at) AS DATE), s.category, m.measure,
    CASE m.measure WHEN 'status' THEN s.status END, CAST(NULL AS VARCHAR),
    CASE m.measure WHEN 'acknowledged' THEN CAST(floor(ln(1 + greatest(0, CAST(extract(epoch FROM s.acknowledged_at
            - s.created_at) AS DOUBLE PRECISION)) / 60) / ln(1.02)) AS INTEGER)
        WHEN 'resolved' THEN CAST(floor(ln(1 + greatest(0, CAST(extract(epoch FROM s.resolved_at - s.created_at)
            AS DOUBLE PRECISION)) / 60) / ln(1.02)) AS INTEGER) END,
    CASE m.measure WHEN 'implemented' THEN CAST(date_trunc('month', s.implemented_at) AS DATE) END,
    count(*), TRUE
FROM suggestions s CROSS JOIN grains g
CROSS JOIN (VALUES ('status'), ('implemented'), ('acknowledged'), ('resolved')) m (measure)
WHERE (g.grain <> 'team' OR s.team_id IS NOT NULL)
    AND CASE m.measure WHEN 'implemented' THEN s.implemented_at IS NOT NULL
        WHEN 'acknowledged' THEN s.acknowledged_at IS NOT NULL WHEN 'resolved' THEN s.resolved_at IS NOT NULL
        ELSE TRUE END
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;

INSERT INTO suggestion_cells
SELECT g.grain, CASE WHEN g.grain = 'org' THEN 0 ELSE s.region_id END,
    CASE WHEN g.grain IN ('office', 'team') THEN s.office_id ELSE 0 END,
    CASE WHEN g.grain = 'team' THEN s.team_id ELSE 0 END,
    CAST(date_trunc('month', s.created_at) AS DATE), s.category, 'escalated', CAST(NULL AS VARCHAR), e.to_value, CAST(NULL AS INTEGER),
    CAST(date_trunc('month', e.created_at) AS DATE), count(*), TRUE
FROM suggestion_events e JOIN suggestions s ON s.id = e.suggestion_id CROSS JOIN grains g
WHERE e.kind = 'escalated' AND (g.grain <> 'team' OR s.team_id IS NOT NULL)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;

DROP TABLE grains;

INSERT INTO pulse_cells
SELECT r.period_id, r.team_id, r.office_id, r.region_id, count(*), sum(r.mood),
    count(*) FILTER (WHERE r.enps >= 9), count(*) FILTER (WHERE r.enps <= 6)
FROM pulse_responses r JOIN pulse_periods p ON p.id = r.period_id
WHERE p.closed_at IS NOT NULL
GROUP BY 1, 2, 3, 4;
