-- Meeting minutes: meetings (draft or published), their items, action items, reviews and every version.
-- As for suggestions, nothing references these tables with a foreign key (DuckDB's update limitation).
CREATE SEQUENCE meeting_id_seq;
CREATE SEQUENCE meeting_item_id_seq;
CREATE SEQUENCE action_item_id_seq;
CREATE SEQUENCE action_event_id_seq;
CREATE SEQUENCE meeting_review_id_seq;

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY DEFAULT nextval('meeting_id_seq'),
    -- a team meeting has its team; an office meeting (recorded by a regional manager) has none.
    team_id INTEGER REFERENCES teams (id),
    office_id INTEGER NOT NULL REFERENCES offices (id),
    region_id INTEGER NOT NULL REFERENCES regions (id),
    meeting_date DATE,
    chair_id INTEGER REFERENCES people (id),
    attendee_ids INTEGER[] NOT NULL DEFAULT ARRAY[]::INTEGER[],
    author_id INTEGER NOT NULL REFERENCES people (id),
    status VARCHAR NOT NULL CHECK (status IN ('draft', 'published')),
    -- the working copy of a draft (JSON), so nothing is lost when the browser reloads
    draft VARCHAR,
    -- mirrors the latest review (meeting_reviews keeps them all)
    review_status VARCHAR CHECK (review_status IN ('reviewed', 'needs_follow_up')),
    version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);

CREATE TABLE meeting_items (
    id INTEGER PRIMARY KEY DEFAULT nextval('meeting_item_id_seq'),
    meeting_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('real_problem', 'anticipated_problem', 'brainstorm', 'decision',
                                          'information')),
    category VARCHAR,
    discussed VARCHAR NOT NULL,
    solution VARCHAR NOT NULL DEFAULT '',
    -- an amendment that drops an item marks it removed; the versions table keeps what it said
    removed BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE item_links (
    item_id INTEGER NOT NULL,
    suggestion_id INTEGER NOT NULL,
    PRIMARY KEY (item_id, suggestion_id)
);

CREATE TABLE action_items (
    id INTEGER PRIMARY KEY DEFAULT nextval('action_item_id_seq'),
    item_id INTEGER NOT NULL,
    meeting_id INTEGER NOT NULL,
    description VARCHAR NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES people (id),
    due_date DATE NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
    closed_at TIMESTAMP,
    removed BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE action_events (
    id INTEGER PRIMARY KEY DEFAULT nextval('action_event_id_seq'),
    action_id INTEGER NOT NULL,
    actor_id INTEGER REFERENCES people (id),
    from_status VARCHAR,
    to_status VARCHAR NOT NULL,
    note VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE meeting_reviews (
    id INTEGER PRIMARY KEY DEFAULT nextval('meeting_review_id_seq'),
    meeting_id INTEGER NOT NULL,
    reviewer_id INTEGER NOT NULL REFERENCES people (id),
    verdict VARCHAR NOT NULL CHECK (verdict IN ('reviewed', 'needs_follow_up')),
    comment VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

-- Every published version (publish = 1, each amendment +1): who, when and the whole content as JSON.
CREATE TABLE meeting_versions (
    meeting_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    content VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (meeting_id, version)
);
