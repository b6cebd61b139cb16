-- The morale pulse. A response holds its period and team only: no person, no time, a random id.
-- Who answered in which period is a separate table that shares nothing with the responses.
CREATE SEQUENCE pulse_period_id_seq;

CREATE TABLE pulse_periods (
    id INTEGER PRIMARY KEY DEFAULT nextval('pulse_period_id_seq'),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL  -- exclusive
);

CREATE TABLE pulse_responses (
    id VARCHAR PRIMARY KEY,  -- random, so the key says nothing about when or by whom
    period_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    mood INTEGER NOT NULL CHECK (mood BETWEEN 1 AND 5),
    enps INTEGER NOT NULL CHECK (enps BETWEEN 0 AND 10),
    empowered INTEGER NOT NULL CHECK (empowered BETWEEN 1 AND 5),
    tools INTEGER NOT NULL CHECK (tools BETWEEN 1 AND 5),
    acted_on INTEGER NOT NULL CHECK (acted_on BETWEEN 1 AND 5),
    workload INTEGER NOT NULL CHECK (workload BETWEEN 1 AND 5),
    proud INTEGER NOT NULL CHECK (proud BETWEEN 1 AND 5),
    comment VARCHAR NOT NULL DEFAULT ''
);

CREATE TABLE pulse_participation (
    period_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    PRIMARY KEY (period_id, person_id)
);
