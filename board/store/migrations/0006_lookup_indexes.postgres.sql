-- PostgreSQL only (DuckDB scans columns fast and keeps no index on these; see 0002's note): B-tree
-- indexes for the lookups by parent id and scope that the pages make on every request, so they stay
-- milliseconds at a million suggestions, and a covering index for the morale roll-up.
CREATE INDEX suggestion_events_suggestion ON suggestion_events (suggestion_id);
CREATE INDEX suggestions_team ON suggestions (team_id);
CREATE INDEX suggestions_office ON suggestions (office_id);
CREATE INDEX suggestions_region ON suggestions (region_id);
CREATE INDEX suggestions_author ON suggestions (author_id);
CREATE INDEX notifications_person ON notifications (person_id);
CREATE INDEX code_failures_person ON code_failures (person_id);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email);
CREATE INDEX sessions_person ON sessions (person_id);
CREATE INDEX people_team ON people (team_id);
CREATE INDEX meetings_office ON meetings (office_id);
CREATE INDEX meeting_items_meeting ON meeting_items (meeting_id);
CREATE INDEX action_items_meeting ON action_items (meeting_id);
CREATE INDEX action_items_item ON action_items (item_id);
CREATE INDEX action_events_action ON action_events (action_id);
CREATE INDEX meeting_reviews_meeting ON meeting_reviews (meeting_id);
CREATE INDEX pulse_participation_person ON pulse_participation (person_id);
CREATE INDEX pulse_responses_period_team ON pulse_responses (period_id, team_id) INCLUDE (mood, enps);
CREATE INDEX suggestion_events_escalated ON suggestion_events (suggestion_id) INCLUDE (created_at, to_value)
    WHERE kind = 'escalated';
