-- Suggestions and anticipated problems, their append-only events, +1s and the inbox.
-- No foreign keys point at suggestions and no index covers a mutable column: DuckDB
-- turns such updates into delete+insert, which fails while other rows reference them.
CREATE SEQUENCE suggestion_id_seq;
CREATE SEQUENCE suggestion_event_id_seq;
CREATE SEQUENCE notification_id_seq;

CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY DEFAULT nextval('suggestion_id_seq'),
    kind VARCHAR NOT NULL CHECK (kind IN ('improvement', 'anticipated_problem')),
    category VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    customer_impact VARCHAR NOT NULL DEFAULT '',
    proposed_solution VARCHAR NOT NULL DEFAULT '',
    likelihood VARCHAR CHECK (likelihood IN ('happening_now', 'likely', 'possible', 'brainstormed')),
    -- NULL for an anonymous suggestion: the author is stored nowhere.
    author_id INTEGER REFERENCES people (id),
    anonymous BOOLEAN NOT NULL,
    -- NULL when an anonymous author routed it at office level.
    team_id INTEGER REFERENCES teams (id),
    office_id INTEGER NOT NULL REFERENCES offices (id),
    region_id INTEGER NOT NULL REFERENCES regions (id),
    -- status, level, owner and due date mirror the latest event of each kind (same transaction).
    status VARCHAR NOT NULL DEFAULT 'new',
    level VARCHAR NOT NULL CHECK (level IN ('team', 'office', 'region', 'leadership')),
    owner_id INTEGER REFERENCES people (id),
    due_date DATE,
    duplicate_of INTEGER,
    -- Follow-up code of an anonymous suggestion: a random lookup key and an argon2 hash of the secret part.
    receipt_lookup VARCHAR,
    receipt_hash VARCHAR,
    -- Makes a retried submission (double click, browser retry) create nothing new.
    submission_key VARCHAR NOT NULL UNIQUE,
    -- Anonymous suggestions keep only the day, so the time cannot be matched with other activity.
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE suggestion_events (
    id INTEGER PRIMARY KEY DEFAULT nextval('suggestion_event_id_seq'),
    suggestion_id INTEGER NOT NULL,
    -- NULL for the anonymous author (and the system).
    actor_id INTEGER REFERENCES people (id),
    kind VARCHAR NOT NULL,
    from_value VARCHAR,
    to_value VARCHAR,
    note VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE votes (
    suggestion_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (suggestion_id, person_id)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY DEFAULT nextval('notification_id_seq'),
    person_id INTEGER NOT NULL REFERENCES people (id),
    suggestion_id INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    read_at TIMESTAMP
);

-- Failed follow-up code attempts by signed-in person (never successes: that would link them).
CREATE TABLE code_failures (
    person_id INTEGER NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
