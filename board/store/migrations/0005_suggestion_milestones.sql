-- When each suggestion was first acknowledged, first resolved (implemented, declined or duplicate) and
-- implemented, mirrored from its status events in the same transaction (as status is), so the dashboards'
-- response times read one row per suggestion instead of grouping millions of events.
ALTER TABLE suggestions ADD COLUMN acknowledged_at TIMESTAMP;
ALTER TABLE suggestions ADD COLUMN resolved_at TIMESTAMP;
ALTER TABLE suggestions ADD COLUMN implemented_at TIMESTAMP;
UPDATE suggestions SET acknowledged_at = f.acknowledged, resolved_at = f.resolved, implemented_at = f.implemented
FROM (SELECT suggestion_id,
             min(created_at) FILTER (WHERE to_value = 'acknowledged') AS acknowledged,
             min(created_at) FILTER (WHERE to_value IN ('implemented', 'declined', 'duplicate')) AS resolved,
             min(created_at) FILTER (WHERE to_value = 'implemented') AS implemented
      FROM suggestion_events WHERE kind = 'status' GROUP BY suggestion_id) f
WHERE f.suggestion_id = suggestions.id;
