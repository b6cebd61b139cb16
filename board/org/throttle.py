"""Sign-in throttling: after repeated failures an email waits longer before each further password is checked,
and failures are limited per client address and for the whole organisation.

Each attempt is reserved (counted as a failure) in one transaction under one lock before its password is
checked, and given back when it succeeds, so parallel attempts never check more passwords than the limits
allow. The right password after a wait signs in: a colleague typing wrong passwords slows someone down for a
few minutes, never locks them out."""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from board.i18n import N_, _, ngettext
from board.org import audit
from board.store import Conn, Database

MAX_FAILURES = 5  # failures in a row for one email that are checked without a wait
FIRST_WAIT = timedelta(minutes=1)  # after the 5th failure in a row; each further failure doubles it
LONGEST_WAIT = timedelta(minutes=15)
FORGET = timedelta(hours=1)  # failures in a row are forgotten this long after their wait ended
WINDOW = timedelta(minutes=5)  # failures per address and for everyone are counted per 5-minute window
MAX_PER_ADDRESS = 30  # below MAX_EVERYONE, so one address alone cannot make the whole organisation wait
MAX_EVERYONE = 100
LOCK = ("sign_in_throttle",)  # every throttle write takes it, on every server
NOT_IN_ROSTER = "an email not in the roster"  # what the audit log says instead of text typed as an email
# What a person is told when a window's limit refuses their attempt ({wait}: how long until the window ends).
EVERYONE_REFUSAL = N_("Too many failed sign-ins across the organisation just now. Try again in {wait}.")
ADDRESS_REFUSAL = N_("Too many failed sign-ins from your network. Try again in {wait}.")


@dataclass(frozen=True)
class Attempt:
    """A reserved attempt, counted as a failure until it succeeds; or, with `refusal`, one refused unchecked."""

    email: str
    address: str | None
    now: datetime
    failures: int = 0  # the email's failures in a row, this attempt included
    refusal: str | None = None


def wait_after(failures: int) -> timedelta:
    """How long the next attempt waits after this many failures in a row: none before MAX_FAILURES, then
    1, 2, 4, 8 and at most 15 minutes."""
    if failures < MAX_FAILURES:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - MAX_FAILURES, 10), LONGEST_WAIT)


def reserve(db: Database, email: str, address: str | None, *, now: datetime) -> Attempt:
    """Count this attempt before its password is checked, or refuse it without checking anything (the first
    refusal of each wait or window goes to the audit log)."""
    return db.write(lambda con: _reserve(con, email, address, now), lock=LOCK)


def failed(db: Database, attempt: Attempt, action: str = "sign-in failed") -> None:
    """Record a wrong password in the audit log (the attempt was already counted)."""
    wait = wait_after(attempt.failures)
    detail = f"{attempt.failures} in a row" + (f"; the next attempt waits {_minutes(wait)}" if wait else "")
    db.write(lambda con: audit.record(con, None, action, f"{_who(con, attempt.email)}: {detail}"))


def succeeded(db: Database, attempt: Attempt) -> None:
    """The right password: forget the email's failures and give back the attempt's count."""
    def give_back(con: Conn) -> None:
        con.execute("DELETE FROM sign_in_waits WHERE email = ?", (attempt.email,))
        for scope, key, _limit, _message in _limits(attempt.address):
            con.execute("UPDATE sign_in_counts SET failures = failures - 1 WHERE scope = ? AND address = ?"
                        " AND window_start = ? AND failures > 0", (scope, key, _window(attempt.now)))

    db.write(give_back, lock=LOCK)


def _reserve(con: Conn, email: str, address: str | None, now: datetime) -> Attempt:
    window = _window(now)
    con.execute("DELETE FROM sign_in_counts WHERE window_start < ?", (window,))
    # (not this email's own row: DuckDB refuses a delete and insert of one key in a transaction)
    con.execute("DELETE FROM sign_in_waits WHERE wait_until < ? AND email <> ?", (now - FORGET, email))
    row = con.one("SELECT failures, wait_until, refused FROM sign_in_waits WHERE email = ?", (email,))
    row = row if row and row["wait_until"] >= now - FORGET else None
    if row and row["failures"] >= MAX_FAILURES and now < row["wait_until"]:
        if not row["refused"]:
            con.execute("UPDATE sign_in_waits SET refused = TRUE WHERE email = ?", (email,))
            audit.record(con, None, "sign-in refused", f"{_who(con, email)}: waiting after {row['failures']} "
                         "failures in a row (further attempts in this wait are refused unlogged)")
        return Attempt(email, address, now, refusal=_("Too many failed attempts for this email. Try again in {wait}.",
                                                      wait=_minutes_shown(row["wait_until"] - now)))
    for scope, key, limit, message in _limits(address):
        count = con.one("SELECT failures, refused FROM sign_in_counts WHERE scope = ? AND address = ?"
                        " AND window_start = ?", (scope, key, window))
        if count and count["failures"] >= limit:
            if not count["refused"]:
                con.execute("UPDATE sign_in_counts SET refused = TRUE WHERE scope = ? AND address = ?"
                            " AND window_start = ?", (scope, key, window))
                audit.record(con, None, "sign-in refused",
                             f"{'address ' + key if key else 'whole organisation'}: {count['failures']} failed "
                             f"sign-ins in {_minutes(WINDOW)}; every attempt refused until "
                             f"{window + WINDOW:%H:%M} UTC")
            return Attempt(email, address, now, refusal=_(message, wait=_minutes_shown(window + WINDOW - now)))
    failures = (row["failures"] if row else 0) + 1
    con.execute("INSERT INTO sign_in_waits (email, failures, wait_until, refused) VALUES (?, ?, ?, FALSE)"
                " ON CONFLICT (email) DO UPDATE SET failures = excluded.failures,"
                " wait_until = excluded.wait_until, refused = FALSE",
                (email, failures, _minute_up(now + wait_after(failures))))
    for scope, key, _limit, _message in _limits(address):
        con.execute("INSERT INTO sign_in_counts (scope, address, window_start, failures) VALUES (?, ?, ?, 1)"
                    " ON CONFLICT (scope, address, window_start) DO UPDATE"
                    " SET failures = sign_in_counts.failures + 1", (scope, key, window))
    return Attempt(email, address, now, failures)


def _limits(address: str | None) -> list[tuple[str, str, int, str]]:
    """(scope, address key, limit, message) of the window limits that apply to an attempt."""
    everyone = ("everyone", "", MAX_EVERYONE, EVERYONE_REFUSAL)
    if address is None:
        return [everyone]
    return [("address", address, MAX_PER_ADDRESS, ADDRESS_REFUSAL), everyone]


def _who(con: Conn, email: str) -> str:
    """The email if it is someone's in the roster; never other typed text (it may be a password)."""
    return email if con.scalar("SELECT count(*) FROM people WHERE email = ?", (email,)) else NOT_IN_ROSTER


def _window(now: datetime) -> datetime:
    return now - (now - datetime.min) % WINDOW


def _minute_up(moment: datetime) -> datetime:
    """Rounded up to the minute: waits are stored no finer."""
    return moment + (-(moment - datetime.min)) % timedelta(minutes=1)


def _minutes(span: timedelta) -> str:
    """A wait in minutes for the audit log (in English: the log is the operator's record)."""
    count = max(1, math.ceil(span.total_seconds() / 60))
    return f"{count} minute{'s' if count != 1 else ''}"


def _minutes_shown(span: timedelta) -> str:
    """A wait in minutes for the person signing in, in their language."""
    count = max(1, math.ceil(span.total_seconds() / 60))
    return ngettext("{n} minute", "{n} minutes", count)


def client_address(peer: str | None, forwarded_for: list[str] | tuple[str, ...] = ()) -> str | None:
    """The client's address for the per-address limit: the connection's (Streamlit reports a local one as
    None), or, when that is a proxy listed in BOARD_TRUSTED_PROXIES (comma-separated addresses), the nearest
    X-Forwarded-For address that is not such a proxy. None when unknown or local: then only the other limits
    apply."""
    trusted = {_ip(a) for a in os.environ.get("BOARD_TRUSTED_PROXIES", "").split(",")} - {None}
    hop = _ip(peer) if peer else ipaddress.ip_address("127.0.0.1")
    chain = [_ip(a) for a in ",".join(forwarded_for or ()).split(",")] if hop in trusted else []
    while hop in trusted and chain:
        hop = chain.pop()  # proxies append: the last entry is what the nearest proxy saw
    if hop is None or hop in trusted or hop.is_loopback:
        return None
    return str(hop)


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
