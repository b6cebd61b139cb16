-- A person's team lives in its own table, so a roster import can move people between teams and offices.
-- DuckDB runs an update of an indexed column (people.team_id has its foreign key's index) as delete plus
-- insert, and refuses the delete while suggestions, minutes, actions, sessions or pulse answers reference
-- the person (duckdb issue 20246, still so in 2.0.1). Nothing references team_members, so its rows update
-- on both engines; its keys keep one existing team per person, and the roster import adds a person and
-- their team_members row in one transaction.
-- people.team_id stays, as the team a person was first added to (DuckDB can neither drop nor rename a
-- foreign-key column): it is never updated and the app does not read it (tests/test_roster.py checks); a
-- person's team is team_members.team_id.
CREATE TABLE team_members (
    person_id INTEGER PRIMARY KEY REFERENCES people (id),
    team_id INTEGER NOT NULL REFERENCES teams (id)
);

INSERT INTO team_members (person_id, team_id) SELECT id, team_id FROM people;

-- Lookups by team (team sizes, notices, turnout); PostgreSQL keeps no index for a foreign key by itself.
CREATE INDEX team_members_team ON team_members (team_id);
