-- Pulse results appear only when a period closes, and nothing stored afterwards holds a cell below k or names
-- who answered. A response carries its office and region so that a small team's answers can be generalised up
-- (team, then office, then region dropped) when its period closes; the team is nullable for that.
ALTER TABLE pulse_periods ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE pulse_responses ADD COLUMN office_id INTEGER;
ALTER TABLE pulse_responses ADD COLUMN region_id INTEGER;
UPDATE pulse_responses SET office_id = u.office_id, region_id = u.region_id
FROM (SELECT t.id AS team_id, o.id AS office_id, o.region_id FROM teams t JOIN offices o ON o.id = t.office_id) u
WHERE u.team_id = pulse_responses.team_id;
ALTER TABLE pulse_responses ALTER COLUMN team_id DROP NOT NULL;

-- While a period is open: who answered, as a keyed hash of (period, person) whose key is a server secret
-- (BOARD_PULSE_KEY), never in the database; the team only for the live response rate.
CREATE TABLE pulse_voters (
    period_id INTEGER NOT NULL,
    voter VARCHAR PRIMARY KEY,
    team_id INTEGER NOT NULL
);

-- After a period closes: how many of each team answered, out of how many active people it had then.
CREATE TABLE pulse_turnout (
    period_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    people INTEGER NOT NULL,
    PRIMARY KEY (period_id, team_id)
);

-- Periods that ended before this version: their participation becomes counts now. An open period's
-- participation rows stay in pulse_participation until the server (which holds the key) turns them into
-- voter hashes (board.pulse.close_due); nothing new is ever written there.
INSERT INTO pulse_turnout (period_id, team_id, answered, people)
SELECT pp.period_id, p.team_id, count(*),
       (SELECT count(*) FROM people q WHERE q.team_id = p.team_id AND q.active)
FROM pulse_participation pp JOIN people p ON p.id = pp.person_id
JOIN pulse_periods per ON per.id = pp.period_id
WHERE per.ends_on <= current_date
GROUP BY pp.period_id, p.team_id;
DELETE FROM pulse_participation
WHERE period_id IN (SELECT id FROM pulse_periods WHERE ends_on <= current_date);
