-- Anonymous suggestions, and what their authors write or do through their code, wait here until the next
-- day's release (board.release): then they reach `suggestions` and `suggestion_events` all at once, in random
-- order, dated at the day's midnight, so nothing anyone can see or compare places one within its day.
-- No time, no person, and a random key that says nothing about order.
CREATE TABLE held_suggestions (
    id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL CHECK (kind IN ('improvement', 'anticipated_problem')),
    category VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    customer_impact VARCHAR NOT NULL DEFAULT '',
    proposed_solution VARCHAR NOT NULL DEFAULT '',
    likelihood VARCHAR CHECK (likelihood IN ('happening_now', 'likely', 'possible', 'brainstormed')),
    -- for routing, as in suggestions: NULL team when the author routed it at office level
    team_id INTEGER,
    office_id INTEGER NOT NULL,
    region_id INTEGER NOT NULL,
    level VARCHAR NOT NULL CHECK (level IN ('team', 'office')),
    receipt_lookup VARCHAR NOT NULL,
    receipt_hash VARCHAR NOT NULL,
    submission_key VARCHAR NOT NULL UNIQUE,
    submitted_on DATE NOT NULL
);

-- An anonymous author's reply or escalation, to a released suggestion (suggestion_id) or a held one (held_id).
CREATE TABLE held_author_events (
    id VARCHAR PRIMARY KEY,
    suggestion_id INTEGER,
    held_id VARCHAR,
    kind VARCHAR NOT NULL CHECK (kind IN ('author_reply', 'escalated')),
    note VARCHAR NOT NULL DEFAULT '',
    written_on DATE NOT NULL,
    -- the order of one author's messages on one suggestion (1, 2, ...), kept when released
    position INTEGER NOT NULL
);

-- Wrong follow-up codes, counted for the whole organisation per 15-minute window: nobody is named, so the
-- table cannot tell who holds a code. (The per-person limit lives in each browser session's memory.)
CREATE TABLE code_attempts (
    window_start TIMESTAMP PRIMARY KEY,
    failures INTEGER NOT NULL
);
DROP TABLE code_failures;

-- Sessions keep times to the nearest 5 minutes (board.accounts.coarse), as the README says.
UPDATE sessions SET
    created_at = date_trunc('hour', created_at)
                 + CAST(floor(extract(minute FROM created_at) / 5) AS INTEGER) * INTERVAL '5 minutes',
    last_seen_at = date_trunc('hour', last_seen_at)
                   + CAST(floor(extract(minute FROM last_seen_at) / 5) AS INTEGER) * INTERVAL '5 minutes',
    ended_at = date_trunc('hour', ended_at)
               + CAST(floor(extract(minute FROM ended_at) / 5) AS INTEGER) * INTERVAL '5 minutes';
