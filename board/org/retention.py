"""Retention: rows about people that are done with (ended sign-in sessions, sign-in throttle counts, old audit
entries) are deleted once they are older than the organisation's settings say, by a purge the notification worker
runs once a day. The outbox's own rows are forgotten by the worker (board.notify.worker.prune) under
`outbox_kept_days`."""

from __future__ import annotations

from datetime import datetime, timedelta

from board.org import settings as org_settings
from board.org.accounts import IDLE_LIMIT
from board.store import Conn, Database

LOCK = ("retention",)
# The purge records its day in schedule_runs, the table of scheduled jobs done, so it runs once per (UTC) day
# whichever server's worker comes first.
DONE_KEY = "retention:{day}"


# kind -> (its rows past retention, "FROM table WHERE ..."; the cut-off each ? stands for). A session ends when signed
# out, after IDLE_LIMIT unused, or `session_days` after sign-in, whichever comes first.
PURGES = {
    "sessions": ("FROM sessions WHERE ended_at < ? OR (ended_at IS NULL AND (last_seen_at < ? OR created_at < ?))",
                 ("sessions", "sessions_idle", "sessions_lifetime")),
    "session_handoffs": ("FROM session_handoffs WHERE expires_at < ?", ("now",)),
    "sign_in_waits": ("FROM sign_in_waits WHERE wait_until < ?", ("throttle",)),
    "sign_in_counts": ("FROM sign_in_counts WHERE window_start < ?", ("throttle",)),
    "code_attempts": ("FROM code_attempts WHERE window_start < ?", ("throttle",)),
    "audit_log": ("FROM audit_log WHERE created_at < ?", ("audit",)),
}


def purge(db: Database, *, now: datetime) -> dict[str, int]:
    """Delete what the retention settings no longer keep at `now`, in one transaction; how many rows of each kind.
    Idempotent: a second purge at the same moment deletes nothing."""
    return db.write(lambda con: _purge(con, now), lock=LOCK)


def purge_due(db: Database, *, now: datetime) -> dict[str, int]:
    """The day's purge if no server ran it yet today (UTC); how many rows of each kind it deleted (nothing when it
    had run already)."""
    def work(con: Conn) -> dict[str, int]:
        key = DONE_KEY.format(day=now.date().isoformat())
        if con.scalar("SELECT count(*) FROM schedule_runs WHERE key = ?", (key,)):
            return {}
        counts = _purge(con, now)
        con.execute("INSERT INTO schedule_runs (key, ran_at, added) VALUES (?, ?, 0) ON CONFLICT (key) DO NOTHING",
                    (key, now))
        return counts

    return db.write(work, lock=LOCK)


def _purge(con: Conn, now: datetime) -> dict[str, int]:
    kept = org_settings.load_in(con)
    sessions = now - timedelta(days=kept.sessions_kept_days)
    cutoffs = {"now": now, "sessions": sessions, "sessions_idle": sessions - IDLE_LIMIT,
               "sessions_lifetime": sessions - timedelta(days=kept.session_days),
               "throttle": now - timedelta(days=kept.throttle_kept_days),
               "audit": now - timedelta(days=kept.audit_kept_days)}
    counts = {}
    for kind, (rows, names) in PURGES.items():
        params = tuple(cutoffs[name] for name in names)
        counts[kind] = int(con.scalar("SELECT count(*) " + rows, params) or 0)  # counted first: both engines
        if counts[kind]:
            con.execute("DELETE " + rows, params)
    return counts
