-- PostgreSQL: the dashboard's ageing chart reads only the open suggestions (reporting/dashboard.py OPEN_SQL, the
-- statuses workflow.OPEN names), which are a small part of all; this index holds them with every column the chart
-- reads, so it scans them alone instead of every suggestion.
CREATE INDEX suggestions_open ON suggestions (created_at) INCLUDE (region_id, office_id, team_id, category, status)
    WHERE status IN ('new', 'acknowledged', 'under_review', 'planned', 'in_progress');
