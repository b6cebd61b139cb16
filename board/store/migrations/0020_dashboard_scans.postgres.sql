-- PostgreSQL: two dashboard readers that must see single suggestions read an index holding only the rows and
-- columns they need, instead of scanning the table (board/reporting/dashboard.py).
-- The ageing chart: only the open suggestions (OPEN_SQL, the statuses workflow.OPEN names).
CREATE INDEX suggestions_open ON suggestions (created_at) INCLUDE (region_id, office_id, team_id, category, status)
    WHERE status IN ('new', 'acknowledged', 'under_review', 'planned', 'in_progress');
-- Each team's median days to acknowledgement (team_ack_days): read team by team, already in order for the
-- grouping (1.0 s to 0.45 s at 1M suggestions).
CREATE INDEX suggestions_acknowledged ON suggestions (team_id, created_at) INCLUDE (acknowledged_at, region_id, office_id)
    WHERE acknowledged_at IS NOT NULL AND team_id IS NOT NULL;
