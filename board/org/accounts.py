"""Built-in accounts: argon2id passwords, throttled sign-in, and expiring server-side sessions."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# utcnow lives in board.clock; accounts looks it up here (tests set accounts.utcnow to move its clock), and
# board/cli.py and some tests still import it from here.
from board.clock import utcnow
from board.errors import BoardError, Invalid
from board.i18n import _
from board.org import audit, throttle
from board.org.access import Person, require
from board.org.people import find_by_email, get_person, normalise_email
from board.org.settings import load as load_settings
from board.org.settings import load_in as load_settings_in
from board.store import Conn, Database

MAX_FAILURES = throttle.MAX_FAILURES  # failures in a row before each further attempt waits
IDLE_LIMIT = timedelta(hours=12)
HANDOFF_LIFETIME = timedelta(minutes=10)  # from the rounded-down sign-in time: 5 to 10 minutes
SEEN_EVERY = timedelta(minutes=5)  # how stale last_seen may get before it is written again
PRECISION = timedelta(minutes=5)  # session times are stored no finer than this (README: database access)
MIN_PASSWORD = 12  # OWASP ASVS 2.1.1

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """The hash verified when no account matches, so that both answers take as long: made at the first sign-in that
    needs it rather than at import (an argon2 hash on every start of the server and of each command)."""
    return _hasher.hash(secrets.token_hex(16))


class SignInRefused(BoardError):
    """Unknown email, wrong password, inactive person or no password: one message for all."""

    def __init__(self):
        super().__init__(_("That email and password do not match an active account."))


class SignInThrottled(BoardError):
    """Too many recent failures for this email, from this address or in the organisation (board.throttle)."""


def coarse(moment: datetime) -> datetime:
    """The moment rounded down to 5 minutes: the only precision sessions store."""
    return moment - (moment - datetime.min) % PRECISION


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_password(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD:
        return {"password": _("Use at least {n} characters.", n=MIN_PASSWORD)}
    if len(password) > 1024:
        return {"password": _("Use at most {n} characters.", n=1024)}
    return {}


def set_password(db: Database, person_id: int, password: str, *, actor_id: int | None = None) -> None:
    """Set a person's password after validating it (CLI and the admin page)."""
    errors = validate_password(password)
    if errors:
        raise Invalid(errors)
    store_password_hash(db, person_id, hash_password(password), actor_id=actor_id)


def admin_set_password(db: Database, actor: Person, person_id: int, password: str) -> None:
    """An admin sets or resets someone else's password; their own needs the current one (My account)."""
    require(actor, "admin_people")
    if person_id == actor.id:
        raise Invalid({"password": _("Change your own password under My account: it asks for the current one.")})
    set_password(db, person_id, password, actor_id=actor.id)


def change_own_password(db: Database, person: Person, current: str, new: str, *, keep_token: str | None = None,
                        address: str | None = None, now: datetime | None = None) -> None:
    """A person's own new password, once their current one is checked (throttled like sign-in); every other
    session of theirs ends, the one with `keep_token` stays signed in. Invalid names the field at fault."""
    require(person, "account")
    problem = validate_password(new).get("password")
    if problem or new == current:
        raise Invalid({"new": problem or _("Choose a password different from the current one.")})
    try:
        _authenticate(db, person.email, current, address, now or utcnow(), "password change: current wrong")
    except SignInRefused:
        raise Invalid({"current": _("That is not your current password.")}) from None
    except SignInThrottled as error:
        raise Invalid({"current": str(error)}) from None
    store_password_hash(db, person.id, hash_password(new), actor_id=person.id, keep_token=keep_token,
                        action="password changed")


def store_password_hash(db: Database, person_id: int, password_hash: str, *, actor_id: int | None = None,
                        keep_token: str | None = None, action: str = "password set") -> None:
    """Store a hash and end the person's sessions, all but the one with `keep_token`, and their unredeemed
    sign-in codes, in one transaction."""
    def apply(con: Conn) -> None:
        email = con.scalar("SELECT email FROM people WHERE id = ?", (person_id,))
        if email is None:
            raise Invalid({"email": _("There is no such person.")})
        con.execute(
            "INSERT INTO accounts (person_id, password_hash) VALUES (?, ?)"
            " ON CONFLICT (person_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = now()",
            (person_id, password_hash),
        )
        con.execute("UPDATE sessions SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL AND token_hash <> ?",
                    (coarse(utcnow()), person_id, _token_hash(keep_token) if keep_token else ""))
        con.execute("DELETE FROM session_handoffs WHERE person_id = ?", (person_id,))  # unredeemed sign-ins too
        audit.record(con, actor_id, action, email)

    db.write(apply, lock=("account", person_id))


def sign_in(db: Database, email: str, password: str, *, address: str | None = None,
            now: datetime | None = None) -> Person:
    """The active person whose password matches, else SignInRefused; SignInThrottled, with no password
    checked, while this email waits or this client address or the organisation failed too often."""
    return _authenticate(db, normalise_email(email)[:320], password, address, now or utcnow(), "sign-in failed")


def _authenticate(db: Database, email: str, password: str, address: str | None, now: datetime,
                  failure: str) -> Person:
    """Reserve the attempt (board.throttle), then check the password: parallel attempts cannot check more
    passwords than the throttle allows."""
    attempt = throttle.reserve(db, email, address, now=now)
    if attempt.refusal:
        raise SignInThrottled(attempt.refusal)
    person = find_by_email(db, email)
    with db.read() as con:
        stored = con.scalar("SELECT password_hash FROM accounts WHERE person_id = ?", (person.id if person else -1,))
    if not _verify(stored, password) or person is None or not person.active:
        throttle.failed(db, attempt, failure)
        raise SignInRefused()
    throttle.succeeded(db, attempt)
    return person


def _verify(stored: str | None, password: str) -> bool:
    """Check a password in constant-ish time, hashing even when there is no account."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password[:1024]) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, person_id: int, *, now: datetime | None = None) -> str:
    """A new random session token for the cookie; only its hash is stored, and the time to 5 minutes."""
    token, now = secrets.token_urlsafe(32), coarse(now or utcnow())
    db.write(lambda con: _insert_session(con, token, person_id, now))
    return token


def _insert_session(con: Conn, token: str, person_id: int, now: datetime) -> None:
    con.execute("INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
                (_token_hash(token), person_id, now, now))


def start_handoff(db: Database, person_id: int, *, now: datetime | None = None) -> str:
    """After a built-in sign-in: a one-time code the browser takes to /session/begin, where the server sets
    the HttpOnly cookie (board.server). It works once, within HANDOFF_LIFETIME (times are stored rounded)."""
    code, now = secrets.token_urlsafe(32), now or utcnow()

    def apply(con: Conn) -> None:
        con.execute("DELETE FROM session_handoffs WHERE expires_at < ?", (now,))
        con.execute("INSERT INTO session_handoffs (code_hash, person_id, expires_at) VALUES (?, ?, ?)",
                    (_token_hash(code), person_id, coarse(now) + HANDOFF_LIFETIME))

    db.write(apply)
    return code


def redeem_handoff(db: Database, code: str | None, *, now: datetime | None = None) -> tuple[str, Person] | None:
    """The new session's token and its person for a live one-time code, which is used up; None otherwise.
    The token is made here, so every sign-in gets a fresh one (nothing from before sign-in is reused)."""
    if not isinstance(code, str) or not code or len(code) > 100:
        return None
    now, digest, token = now or utcnow(), _token_hash(code), secrets.token_urlsafe(32)

    def apply(con: Conn) -> int | None:
        row = con.one("SELECT person_id, expires_at FROM session_handoffs WHERE code_hash = ?", (digest,))
        con.execute("DELETE FROM session_handoffs WHERE code_hash = ?", (digest,))
        if row is None or row["expires_at"] < now:
            return None
        _insert_session(con, token, row["person_id"], coarse(now))
        return row["person_id"]

    person_id = db.write(apply, lock=("handoff", digest))
    person = get_person(db, person_id) if person_id is not None else None
    if person is None or not person.active:
        end_session(db, token)
        return None
    return token, person


def session_lifetime(db: Database) -> timedelta:
    """How long a session lasts however often it is used (Settings.session_days; default 7 days)."""
    return timedelta(days=load_settings(db).session_days)


def resume_session(db: Database, token: str | None, *, now: datetime | None = None) -> Person | None:
    """The active person of a live session token: idle under 12 hours and younger than the session lifetime."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    now, digest = now or utcnow(), _token_hash(token)
    with db.read() as con:
        row = con.one("SELECT person_id, created_at, last_seen_at, ended_at FROM sessions WHERE token_hash = ?",
                      (digest,))
        lifetime = timedelta(days=load_settings_in(con).session_days)
    if (row is None or row["ended_at"] is not None or now - row["last_seen_at"] > IDLE_LIMIT
            or now - row["created_at"] > lifetime):
        return None
    person = get_person(db, row["person_id"])
    if person is None or not person.active:
        return None
    if now - row["last_seen_at"] > SEEN_EVERY:
        db.write(lambda con: con.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                                         (coarse(now), digest)), lock=("session", digest))
    return person


def end_session(db: Database, token: str | None) -> None:
    """Sign out: the token stops working everywhere."""
    if token:
        db.write(lambda con: con.execute(
            "UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
            (coarse(utcnow()), _token_hash(token))))


def has_password(db: Database, person_id: int) -> bool:
    with db.read() as con:
        return bool(con.scalar("SELECT count(*) FROM accounts WHERE person_id = ?", (person_id,)))
