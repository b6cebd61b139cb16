-- Attachments (board.feedback.attachments): a few screenshots or PDFs on a suggestion or on a published minutes
-- item, their bytes kept here so a backup, a restore and copy-to-postgres carry them like any other row.
-- A suggestion's attachments name it by its submission key: the one name it has both while an anonymous one is
-- held and after the release gives it an id, so they come out with it and the release moves nothing.
-- The key is random (never an ordering number), anonymous ones carry the day only, and `shown_on` keeps what the
-- anonymous author adds hidden until the next day, as the release does with what they write.
CREATE TABLE attachments (
    id VARCHAR PRIMARY KEY,
    suggestion_key VARCHAR,
    item_id INTEGER,
    -- 1, 2, ... on its suggestion or item: the order within one upload (times decide otherwise)
    position INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    media_type VARCHAR NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp',
                                                      'application/pdf')),
    size INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    content BYTEA NOT NULL,
    -- who added it; NULL for the anonymous author
    actor_id INTEGER REFERENCES people (id),
    created_at TIMESTAMP NOT NULL,
    shown_on DATE NOT NULL,
    CHECK ((suggestion_key IS NULL) <> (item_id IS NULL))
);

CREATE INDEX attachments_suggestion ON attachments (suggestion_key);
CREATE INDEX attachments_item ON attachments (item_id);
