-- Signing in hands the browser a one-time code; the server's /session/begin route redeems it for the session
-- cookie, which only the server sets (HttpOnly). Only a SHA-256 of the code is stored, with an expiry rounded
-- like every session time, and the row is deleted when redeemed.
CREATE TABLE session_handoffs (
    code_hash VARCHAR PRIMARY KEY,
    person_id INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
