"""Follow-up codes of anonymous suggestions: 80 random bits, stored only as an argon2 hash, throttled anonymously."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from board.errors import BoardError
from board.i18n import N_, _
from board.store import Conn, Database

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
LOOKUP_CHARS, SECRET_CHARS = 6, 16  # 30 bits to find the row, 80 secret bits to prove it
MAX_FAILURES = 5  # wrong codes per browser session in 15 minutes
MAX_FAILURES_EVERYONE = 100  # wrong codes in the whole organisation per 15-minute window
PAUSE = timedelta(minutes=15)
WRONG = N_("That code does not open any suggestion. Check it and try again.")
THROTTLED = N_("Too many wrong codes. Wait 15 minutes before trying again.")

_hasher = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """The hash verified when no row matches, so that both answers take as long: made when first needed, not at
    import."""
    return _hasher.hash(secrets.token_hex(10))


class CodeThrottled(BoardError):
    """Too many wrong codes recently, from this browser session or from everyone."""


def new_code() -> tuple[str, str, str]:
    """(code to show once, lookup key to store, argon2 hash of the secret to store)."""
    lookup = "".join(secrets.choice(ALPHABET) for _ in range(LOOKUP_CHARS))
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_CHARS))
    groups = [secret[i:i + 4] for i in range(0, SECRET_CHARS, 4)]
    return "-".join([lookup, *groups]), lookup, _hasher.hash(secret)


def normalise(code: str) -> str:
    """Upper case, no separators, and the look-alike letters read as digits."""
    text = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return text.translate(str.maketrans("OIL", "011"))[:64]


@dataclass(frozen=True)
class Opened:
    """What a code opened: a released suggestion (its id) or one still held for the next day's release."""

    suggestion_id: int | None = None
    held_id: str | None = None


def window(now: datetime) -> datetime:
    """The start of the 15-minute window that `now` falls in."""
    return now - (now - datetime.min) % PAUSE


def open_code(db: Database, code: str, *, now: datetime, tried: list[datetime] | None = None) -> Opened:
    """The suggestion a code opens; the same message for unknown and wrong codes. Throttled without naming
    anyone: `tried` is one browser session's wrong attempts (kept in its memory, appended to here), and the
    whole organisation's wrong codes are counted per 15-minute window."""
    recent = [t for t in tried if t > now - PAUSE] if tried is not None else []
    with db.read() as con:
        everyone = con.scalar("SELECT failures FROM code_attempts WHERE window_start = ?", (window(now),)) or 0
    if len(recent) >= MAX_FAILURES or everyone >= MAX_FAILURES_EVERYONE:
        raise CodeThrottled(_(THROTTLED))
    text = normalise(code)
    lookup, secret = text[:LOOKUP_CHARS], text[LOOKUP_CHARS:]
    with db.read() as con:
        row = con.one("SELECT id AS suggestion_id, CAST(NULL AS VARCHAR) AS held_id, receipt_hash FROM suggestions"
                      " WHERE receipt_lookup = ? UNION ALL SELECT CAST(NULL AS INTEGER), id, receipt_hash"
                      " FROM held_suggestions WHERE receipt_lookup = ?", (lookup, lookup))
    matched = _verify(row["receipt_hash"] if row else _dummy(), secret) and row is not None
    if not matched or row is None or len(secret) != SECRET_CHARS:
        if tried is not None:
            tried[:] = [*recent, now]
        db.write(lambda con: _count_failure(con, window(now)), lock=("code_attempts",))
        raise BoardError(_(WRONG))
    return Opened(row["suggestion_id"], row["held_id"])


def _count_failure(con: Conn, start: datetime) -> None:
    con.execute("DELETE FROM code_attempts WHERE window_start < ?", (start,))  # only the current window matters
    con.execute("INSERT INTO code_attempts (window_start, failures) VALUES (?, 1) ON CONFLICT (window_start)"
                " DO UPDATE SET failures = code_attempts.failures + 1", (start,))


def _verify(digest: str, secret: str) -> bool:
    try:
        return _hasher.verify(digest, secret)
    except (VerificationError, InvalidHashError):
        return False
