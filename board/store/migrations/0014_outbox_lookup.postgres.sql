-- PostgreSQL only: the delivery worker's scan for due messages, and a person's daily digest items.
CREATE INDEX outbox_due ON outbox (state, next_at);
CREATE INDEX outbox_person ON outbox (person_id, state);
