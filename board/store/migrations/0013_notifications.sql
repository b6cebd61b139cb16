-- Notifications outside the app (board.notify): the outbox, each person's choices, spent unsubscribe links, the
-- chat channels, and the scheduled jobs already done.
-- Every outbox row is written in the transaction of the event that causes it; the delivery worker sends it and
-- records the outcome. `key` names the recipient and the cause ("p12:e345", "h3:e345", "p12:weekly:2026-W49"), so
-- a retried event, a second server or a re-run of a job adds nothing twice, and an email carries it as its
-- Message-ID so a mail system drops a copy sent again after a crash.
-- No index covers a mutable column (state, next_at): DuckDB turns such updates into delete + insert.
CREATE SEQUENCE outbox_id_seq;
CREATE SEQUENCE chat_hook_id_seq;

CREATE TABLE outbox (
    id BIGINT PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
    key VARCHAR NOT NULL UNIQUE,
    -- the recipient: a person (by their email at the time of sending) or a chat channel, never both
    person_id INTEGER REFERENCES people (id),
    hook_id INTEGER,
    kind VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    -- plain text, as written at the event; the email's HTML is made from it (escaped) when it is sent
    body VARCHAR NOT NULL,
    -- the item's page, relative to the app's address: "suggestion?id=7"
    link VARCHAR,
    created_at TIMESTAMP NOT NULL,
    -- 'now': sent as soon as the worker runs; 'daily': carried by the person's next daily digest
    mode VARCHAR NOT NULL CHECK (mode IN ('now', 'daily')),
    -- pending -> sending (claimed) -> sent; or back to pending with a later next_at (a failure, retried with
    -- backoff), failed (given up: shown to admins), local (no mail server configured: kept for Admin > Outbox),
    -- skipped (the recipient left or chose never since), digested (carried by daily digest `digest_id`)
    state VARCHAR NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'local', 'skipped', 'digested')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error VARCHAR,
    digest_id BIGINT,
    CHECK ((person_id IS NULL) <> (hook_id IS NULL))
);

-- A person's choice per kind; a kind without a row takes the role's default (board.notify.kinds).
CREATE TABLE notification_preferences (
    person_id INTEGER NOT NULL REFERENCES people (id),
    kind VARCHAR NOT NULL,
    mode VARCHAR NOT NULL CHECK (mode IN ('now', 'daily', 'never')),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, kind)
);

-- Unsubscribe links already used (a hash of the token): each works once.
CREATE TABLE unsubscribe_used (
    token_hash VARCHAR PRIMARY KEY,
    used_at TIMESTAMP NOT NULL
);

-- Microsoft Teams and Slack incoming webhooks, per office or per team (the URL is a secret: admins only).
CREATE TABLE chat_hooks (
    id INTEGER PRIMARY KEY DEFAULT nextval('chat_hook_id_seq'),
    service VARCHAR NOT NULL CHECK (service IN ('teams', 'slack')),
    office_id INTEGER NOT NULL REFERENCES offices (id),
    team_id INTEGER REFERENCES teams (id),
    url VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Scheduled jobs done (a digest for a week, a pulse reminder step): each runs once per period.
CREATE TABLE schedule_runs (
    key VARCHAR PRIMARY KEY,
    ran_at TIMESTAMP NOT NULL,
    -- how many messages the run added (a figure for admins; never who received them)
    added INTEGER NOT NULL DEFAULT 0
);
