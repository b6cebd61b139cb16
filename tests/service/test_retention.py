"""Retention (board.org.retention and the outbox's prune), on both backends: the settings and their defaults, the
purge deleting exactly what is older than each setting at `now` (time is passed, never slept), once a day from the
notification worker's run, idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from board.errors import Invalid
from board.notify import worker
from board.notify.config import NotifyConfig
from board.org import audit, retention, settings

NOW = datetime(2026, 11, 20, 9, 30)
DAY = timedelta(days=1)


def test_the_defaults_are_documented_ones(store):
    kept = settings.load(store)
    assert kept.retention_values == {"sessions_kept_days": 30, "throttle_kept_days": 30, "audit_kept_days": 730,
                                     "outbox_kept_days": 90}
    assert worker.KEEP == timedelta(days=90)


def test_an_admin_saves_them_audited_and_a_save_without_them_keeps_them(org_store, known):
    admin = known["admin"]
    base = {"anonymity_k": 5, "ack_sla_days": 5, "categories": list(settings.DEFAULT_CATEGORIES)}
    saved = settings.save(org_store, admin, **base, sessions_kept_days=7, audit_kept_days=400)
    assert (saved.sessions_kept_days, saved.audit_kept_days, saved.throttle_kept_days) == (7, 400, 30)
    entry = audit.recent(org_store, admin, 1)[0]
    assert '"sessions_kept_days": 7' in entry["detail"] and '"audit_kept_days": 400' in entry["detail"]
    assert settings.save(org_store, admin, **base).retention_values == saved.retention_values


@pytest.mark.parametrize(("field", "value", "message"), [
    ("sessions_kept_days", 0, "Ended sign-in sessions are kept for a whole number of days from 1 to 3650."),
    ("throttle_kept_days", 3651, "Failed sign-in counts are kept for a whole number of days from 1 to 3650."),
    ("audit_kept_days", 29, "Audit log entries are kept for a whole number of days from 30 to 3650."),
    ("outbox_kept_days", 1.5, "Sent, skipped and failed messages are kept for a whole number of days from 1 to 3650."),
    ("outbox_kept_days", True, "Sent, skipped and failed messages are kept for a whole number of days from 1 to 3650."),
])
def test_each_invalid_value_is_named_and_nothing_is_saved(org_store, known, field, value, message):
    before = settings.load(org_store)
    with pytest.raises(Invalid) as invalid:
        settings.save(org_store, known["admin"], anonymity_k=5, ack_sla_days=5, categories=["policy"],
                      **{field: value})
    assert invalid.value.errors == {field: message}
    assert settings.load(org_store) == before


# --- the purge --------------------------------------------------------------------------------------------------

def seed(store, person_id: int) -> None:
    """Rows on both sides of each default limit at NOW, each named by what it should show."""
    def add(con):
        for token, created, seen, ended in [
            ("ended-31-days-ago", NOW - 40 * DAY, NOW - 32 * DAY, NOW - 31 * DAY),
            ("ended-29-days-ago", NOW - 40 * DAY, NOW - 30 * DAY, NOW - 29 * DAY),
            ("unused-since-31-days", NOW - 32 * DAY, NOW - 31 * DAY, None),  # ended 12 hours after its last use
            ("unused-since-29-days", NOW - 30 * DAY, NOW - 29 * DAY - timedelta(hours=13), None),
            ("live", NOW - DAY, NOW - timedelta(minutes=5), None),
        ]:
            con.execute("INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at, ended_at)"
                        " VALUES (?, ?, ?, ?, ?)", (token, person_id, created, seen, ended))
        for code, expires in (("expired", NOW - timedelta(minutes=1)), ("valid", NOW + timedelta(minutes=5))):
            con.execute("INSERT INTO session_handoffs (code_hash, person_id, expires_at) VALUES (?, ?, ?)",
                        (code, person_id, expires))
        for email, until in (("old@example.org", NOW - 31 * DAY), ("recent@example.org", NOW - 29 * DAY)):
            con.execute("INSERT INTO sign_in_waits (email, failures, wait_until) VALUES (?, 6, ?)", (email, until))
        for address, start in (("203.0.113.1", NOW - 31 * DAY), ("203.0.113.2", NOW - 29 * DAY)):
            con.execute("INSERT INTO sign_in_counts (scope, address, window_start, failures) VALUES"
                        " ('address', ?, ?, 3)", (address, start))
            con.execute("INSERT INTO code_attempts (window_start, failures) VALUES (?, 2)", (start,))
        for action, at in (("old entry", NOW - 731 * DAY), ("recent entry", NOW - 729 * DAY)):
            con.execute("INSERT INTO audit_log (actor_id, action, detail, created_at) VALUES (NULL, ?, '', ?)",
                        (action, at))

    store.write(add)


def remaining(store) -> dict[str, set]:
    with store.read() as con:
        return {"sessions": {r["token_hash"] for r in con.rows("SELECT token_hash FROM sessions")},
                "session_handoffs": {r["code_hash"] for r in con.rows("SELECT code_hash FROM session_handoffs")},
                "sign_in_waits": {r["email"] for r in con.rows("SELECT email FROM sign_in_waits")},
                "sign_in_counts": {r["address"] for r in con.rows("SELECT address FROM sign_in_counts")},
                "code_attempts": {r["window_start"] for r in con.rows("SELECT window_start FROM code_attempts")},
                "audit_log": {r["action"] for r in con.rows("SELECT action FROM audit_log WHERE action LIKE '%entry'")}}


def test_the_purge_deletes_exactly_what_is_older_than_each_default(org_store, known):
    seed(org_store, known["staff"].id)
    assert retention.purge(org_store, now=NOW) == {"sessions": 2, "session_handoffs": 1, "sign_in_waits": 1,
                                                   "sign_in_counts": 1, "code_attempts": 1, "audit_log": 1}
    assert remaining(org_store) == {
        "sessions": {"ended-29-days-ago", "unused-since-29-days", "live"}, "session_handoffs": {"valid"},
        "sign_in_waits": {"recent@example.org"}, "sign_in_counts": {"203.0.113.2"},
        "code_attempts": {NOW - 29 * DAY}, "audit_log": {"recent entry"}}
    assert set(retention.purge(org_store, now=NOW).values()) == {0}  # idempotent


def test_the_purge_follows_the_settings(org_store, known):
    seed(org_store, known["staff"].id)
    settings.save(org_store, known["admin"], anonymity_k=5, ack_sla_days=5, categories=["policy"],
                  sessions_kept_days=100, throttle_kept_days=10, audit_kept_days=3650)
    retention.purge(org_store, now=NOW)
    left = remaining(org_store)
    assert left["sessions"] == {"ended-31-days-ago", "ended-29-days-ago", "unused-since-31-days",
                                "unused-since-29-days", "live"}
    assert left["sign_in_waits"] == set() and left["sign_in_counts"] == set() and left["code_attempts"] == set()
    assert left["audit_log"] == {"old entry", "recent entry"}


def test_a_session_ends_at_its_lifetime_even_when_used_to_the_last_minute(org_store, known):
    """Sign-in lasts `session_days` (7 by default): a session begun 38 days ago ended 31 days ago."""
    org_store.write(lambda con: con.execute(
        "INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at) VALUES ('busy', ?, ?, ?)",
        (known["staff"].id, NOW - 38 * DAY, NOW - 31 * DAY - timedelta(hours=1))))
    assert retention.purge(org_store, now=NOW)["sessions"] == 1


def test_the_daily_purge_runs_once_a_day_from_the_workers_run(org_store, known):
    seed(org_store, known["staff"].id)
    counts = worker.run_once(org_store, NotifyConfig(), now=NOW)
    assert counts["purged"] == 7 and remaining(org_store)["audit_log"] == {"recent entry"}
    org_store.write(lambda con: con.execute(  # old again later the same day: it waits for tomorrow's purge
        "INSERT INTO audit_log (action, detail, created_at) VALUES ('old entry', '', ?)", (NOW - 800 * DAY,)))
    assert retention.purge_due(org_store, now=NOW + timedelta(hours=5)) == {}
    assert worker.run_once(org_store, NotifyConfig(), now=NOW + timedelta(hours=6))["purged"] == 0
    assert "old entry" in remaining(org_store)["audit_log"]
    assert retention.purge_due(org_store, now=NOW + DAY)["audit_log"] == 1
    assert remaining(org_store)["audit_log"] == {"recent entry"}


# --- the outbox ---------------------------------------------------------------------------------------------------

def add_message(store, key: str, person_id: int, state: str, at: datetime) -> None:
    store.write(lambda con: con.execute(
        "INSERT INTO outbox (key, person_id, kind, subject, body, created_at, mode, state, next_at, sent_at)"
        " VALUES (?, ?, 'status', 'Subject', 'Body', ?, 'now', ?, ?, ?)",
        (key, person_id, at, state, at, None if state in ("pending", "failed") else at)))


def test_the_outbox_keeps_done_messages_as_long_as_the_setting_says(org_store, known):
    person = known["staff"].id
    settings.save(org_store, known["admin"], anonymity_k=5, ack_sla_days=5, categories=["policy"],
                  outbox_kept_days=10)
    for key, state, days in (("sent-11", "sent", 11), ("sent-9", "sent", 9), ("failed-11", "failed", 11),
                             ("skipped-11", "skipped", 11), ("local-9", "local", 9), ("waiting-11", "pending", 11)):
        add_message(org_store, key, person, state, NOW - days * DAY)
    assert worker.prune(org_store, now=NOW) == 3
    with org_store.read() as con:
        assert {r["key"] for r in con.rows("SELECT key FROM outbox")} == {"sent-9", "local-9", "waiting-11"}
