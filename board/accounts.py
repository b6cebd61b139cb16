"""Built-in accounts: argon2id passwords, throttled sign-in, and expiring server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from board import audit
from board.access import Person, require
from board.db import Conn, Store
from board.errors import BoardError, Invalid
from board.people import find_by_email, get_person, normalise_email

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
IDLE_LIMIT = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=5)  # how stale last_seen may get before it is written again
PRECISION = timedelta(minutes=5)  # session times are stored no finer than this (README: database access)
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class SignInRefused(BoardError):
    """Unknown email, wrong password, inactive person or no password: one message for all."""

    def __init__(self):
        super().__init__("That email and password do not match an active account.")


class SignInThrottled(BoardError):
    """Too many recent failures for this email."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def coarse(moment: datetime) -> datetime:
    """The moment rounded down to 5 minutes: the only precision sessions store."""
    return moment - (moment - datetime.min) % PRECISION


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_password(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD:
        return {"password": f"Use at least {MIN_PASSWORD} characters."}
    if len(password) > 1024:
        return {"password": "Use at most 1024 characters."}
    return {}


def set_password(db: Store, person_id: int, password: str, *, actor_id: int | None = None) -> None:
    """Set a person's password after validating it (CLI and the admin page)."""
    errors = validate_password(password)
    if errors:
        raise Invalid(errors)
    store_password_hash(db, person_id, hash_password(password), actor_id=actor_id)


def admin_set_password(db: Store, actor: Person, person_id: int, password: str) -> None:
    """An admin sets or resets someone's password."""
    require(actor, "admin_people")
    set_password(db, person_id, password, actor_id=actor.id)


def store_password_hash(db: Store, person_id: int, password_hash: str, *, actor_id: int | None = None) -> None:
    def apply(con: Conn) -> None:
        email = con.scalar("SELECT email FROM people WHERE id = ?", (person_id,))
        if email is None:
            raise Invalid({"email": "There is no such person."})
        con.execute(
            "INSERT INTO accounts (person_id, password_hash) VALUES (?, ?)"
            " ON CONFLICT (person_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = now()",
            (person_id, password_hash),
        )
        con.execute("UPDATE sessions SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL",
                    (coarse(utcnow()), person_id))
        audit.record(con, actor_id, "password set", email)

    db.write(apply, lock=("account", person_id))


def sign_in(db: Store, email: str, password: str, *, now: datetime | None = None) -> Person:
    """The active person whose password matches; SignInRefused or SignInThrottled otherwise."""
    now, email = now or utcnow(), normalise_email(email)[:320]
    with db.read() as con:
        failures = con.rows(
            "SELECT failed_at FROM sign_in_failures WHERE email = ? AND failed_at > ? ORDER BY failed_at DESC",
            (email, now - LOCKOUT),
        )
    if len(failures) >= MAX_FAILURES:
        wait = max(1, round((failures[MAX_FAILURES - 1]["failed_at"] + LOCKOUT - now).total_seconds() / 60))
        raise SignInThrottled(f"Too many failed attempts for this email. Try again in about {wait} minute(s).")
    person = find_by_email(db, email)
    with db.read() as con:
        stored = con.scalar("SELECT password_hash FROM accounts WHERE person_id = ?", (person.id if person else -1,))
    if not _verify(stored, password) or person is None or not person.active:
        db.write(lambda con: con.execute("INSERT INTO sign_in_failures (email, failed_at) VALUES (?, ?)", (email, now)))
        raise SignInRefused()
    db.write(lambda con: con.execute("DELETE FROM sign_in_failures WHERE email = ?", (email,)))
    return person


def _verify(stored: str | None, password: str) -> bool:
    """Check a password in constant-ish time, hashing even when there is no account."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password[:1024]) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Store, person_id: int, *, now: datetime | None = None) -> str:
    """A new random session token for the cookie; only its hash is stored, and the time to 5 minutes."""
    token, now = secrets.token_urlsafe(32), coarse(now or utcnow())
    db.write(lambda con: con.execute(
        "INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
        (_token_hash(token), person_id, now, now),
    ))
    return token


def resume_session(db: Store, token: str | None, *, now: datetime | None = None) -> Person | None:
    """The active person of a live session token (idle under 12 hours), else None."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    now, digest = now or utcnow(), _token_hash(token)
    with db.read() as con:
        row = con.one("SELECT person_id, last_seen_at, ended_at FROM sessions WHERE token_hash = ?", (digest,))
    if row is None or row["ended_at"] is not None or now - row["last_seen_at"] > IDLE_LIMIT:
        return None
    person = get_person(db, row["person_id"])
    if person is None or not person.active:
        return None
    if now - row["last_seen_at"] > SEEN_EVERY:
        db.write(lambda con: con.execute("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                                         (coarse(now), digest)), lock=("session", digest))
    return person


def end_session(db: Store, token: str | None) -> None:
    """Sign out: the token stops working everywhere."""
    if token:
        db.write(lambda con: con.execute(
            "UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
            (coarse(utcnow()), _token_hash(token))))


def has_password(db: Store, person_id: int) -> bool:
    with db.read() as con:
        return bool(con.scalar("SELECT count(*) FROM accounts WHERE person_id = ?", (person_id,)))
