-- Morale's figures of each closed pulse period for every group that had answers (the organisation, each region,
-- office and team), as morale.rollup counts them from pulse_cells, and whether each may be shown: kept when the
-- period closes (morale.pulse.seal) so that no dashboard view counts a million cells. A hidden group's row holds
-- no figures. pulse_rollup_made says under which structure of the hierarchy (which team in which office, which
-- office in which region) and which minimum group size each period's rows were counted; readers use them only
-- while both still hold, and the notification worker keeps the others again (morale.rollup.refresh). Databases
-- made before this migration have none: their figures are counted as before until the worker's next run.
CREATE TABLE pulse_rollup (
    period_id INTEGER NOT NULL,
    level VARCHAR NOT NULL CHECK (level IN ('org', 'region', 'office', 'team')),
    group_id INTEGER NOT NULL,  -- the region's, office's or team's id; 0 for the organisation
    shown BOOLEAN NOT NULL,
    answers BIGINT,
    mood BIGINT,
    promoters BIGINT,
    detractors BIGINT,
    CHECK (shown = (answers IS NOT NULL))
);

CREATE TABLE pulse_rollup_made (
    period_id INTEGER PRIMARY KEY,
    structure VARCHAR NOT NULL,
    k INTEGER NOT NULL
);
