-- The organisation: regions -> offices -> teams -> people, and their sign-in accounts.
-- Unit names are unique by rule (board.people validates it) but carry no UNIQUE
-- constraint: DuckDB rewrites an update of a UNIQUE column as delete+insert, which
-- fails while people reference the row, so a rename would be impossible.
CREATE SEQUENCE region_id_seq;
CREATE SEQUENCE office_id_seq;
CREATE SEQUENCE team_id_seq;
CREATE SEQUENCE person_id_seq;
CREATE SEQUENCE audit_id_seq;

CREATE TABLE regions (
    id INTEGER PRIMARY KEY DEFAULT nextval('region_id_seq'),
    name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE offices (
    id INTEGER PRIMARY KEY DEFAULT nextval('office_id_seq'),
    region_id INTEGER NOT NULL REFERENCES regions (id),
    name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY DEFAULT nextval('team_id_seq'),
    office_id INTEGER NOT NULL REFERENCES offices (id),
    name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- email is stored lower-case and never changes: it is the roster's key.
CREATE TABLE people (
    id INTEGER PRIMARY KEY DEFAULT nextval('person_id_seq'),
    email VARCHAR NOT NULL UNIQUE,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('staff', 'manager', 'regional_manager', 'leader', 'admin')),
    team_id INTEGER NOT NULL REFERENCES teams (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Built-in accounts: an argon2id hash per person (absent = no password set).
CREATE TABLE accounts (
    person_id INTEGER PRIMARY KEY REFERENCES people (id),
    password_hash VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Failed sign-ins, insert-only; recent ones throttle sign-in for that email.
CREATE TABLE sign_in_failures (
    email VARCHAR NOT NULL,
    failed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Built-in sign-in sessions: only a SHA-256 of the cookie's random token is stored.
CREATE TABLE sessions (
    token_hash VARCHAR PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    last_seen_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    ended_at TIMESTAMP
);

-- Settings as JSON values, validated by board.settings.
CREATE TABLE settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Who changed what (roles, settings, roster imports); insert-only.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    actor_id INTEGER,
    action VARCHAR NOT NULL,
    detail VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
