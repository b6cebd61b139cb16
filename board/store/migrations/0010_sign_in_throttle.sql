-- Sign-in throttling (board.throttle) instead of a list of every failure with its exact time.
-- Per email typed: how many failures in a row and until when the next attempt waits, to the minute. The row
-- goes at the right password, or an hour after its wait ended; an email not in the roster is kept the same way
-- (so a wait tells nobody whether an account exists) and is never shown or written to the audit log.
CREATE TABLE sign_in_waits (
    email VARCHAR PRIMARY KEY,
    failures INTEGER NOT NULL,
    wait_until TIMESTAMP NOT NULL,
    -- a refusal during this wait is already in the audit log (one entry per wait, however many attempts)
    refused BOOLEAN NOT NULL DEFAULT FALSE
);

-- Failed sign-ins per 5-minute window, per client address ('address') and for the whole organisation
-- ('everyone', address ''). Only the current window is kept; no email, no person.
CREATE TABLE sign_in_counts (
    scope VARCHAR NOT NULL CHECK (scope IN ('address', 'everyone')),
    address VARCHAR NOT NULL,
    window_start TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL,
    refused BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (scope, address, window_start)
);

DROP TABLE sign_in_failures;
