-- The events whose messages the delivery worker has still to write (board.notify.events.fan_out): a status
-- change, a reply, a comment, an author's reply, a discussion in minutes. Written in the event's transaction, one
-- small row, so the event does not pay for working out who hears of it; the worker writes the messages and
-- removes the row in one transaction. No index: the table holds the last few seconds' events.
CREATE TABLE outbox_events (
    event_id BIGINT NOT NULL
);
