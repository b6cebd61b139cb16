-- PostgreSQL: a dashboard reads the summary rows of one unit at one grain over a range of months; the worker
-- merges the rows added since its last run (board/feedback/counts.py).
CREATE INDEX suggestion_cells_unit ON suggestion_cells (grain, region_id, office_id, team_id, month);
CREATE INDEX suggestion_cells_fresh ON suggestion_cells (grain) WHERE NOT settled;
