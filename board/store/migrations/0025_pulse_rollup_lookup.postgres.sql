-- A dashboard reads one level of pulse_rollup for a range of periods (morale.rollup.stored): the organisation's
-- or the regions' few rows out of a million at 40,000 teams (DuckDB scans the column in milliseconds).
CREATE INDEX pulse_rollup_level ON pulse_rollup (level, period_id);
