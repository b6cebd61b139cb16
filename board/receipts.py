"""Follow-up codes of anonymous suggestions: 80 random bits, stored only as an argon2 hash, throttled."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from board.db import Store
from board.errors import BoardError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
LOOKUP_CHARS, SECRET_CHARS = 6, 16  # 30 bits to find the row, 80 secret bits to prove it
MAX_FAILURES = 5
PAUSE = timedelta(minutes=15)
WRONG = "That code does not open any suggestion. Check it and try again."

_hasher = PasswordHasher()
_DUMMY = _hasher.hash(secrets.token_hex(10))  # verified when no row matches, so both answers take as long


class CodeThrottled(BoardError):
    """Too many wrong codes from this person recently."""


def new_code() -> tuple[str, str, str]:
    """(code to show once, lookup key to store, argon2 hash of the secret to store)."""
    lookup = "".join(secrets.choice(ALPHABET) for _ in range(LOOKUP_CHARS))
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_CHARS))
    groups = [secret[i:i + 4] for i in range(0, SECRET_CHARS, 4)]
    return "-".join([lookup, *groups]), lookup, _hasher.hash(secret)


def normalise(code: str) -> str:
    """Upper case, no separators, and the look-alike letters read as digits."""
    text = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))[:64]


def open_code(db: Store, person_id: int, code: str, *, now: datetime) -> int:
    """The suggestion a code opens; the same message for unknown and wrong codes; throttled per person."""
    with db.read() as con:
        failures = con.scalar("SELECT count(*) FROM code_failures WHERE person_id = ? AND failed_at > ?",
                              (person_id, now - PAUSE))
    if failures >= MAX_FAILURES:
        raise CodeThrottled("Too many wrong codes. Wait 15 minutes before trying again.")
    text = normalise(code)
    lookup, secret = text[:LOOKUP_CHARS], text[LOOKUP_CHARS:]
    with db.read() as con:
        row = con.one("SELECT id, receipt_hash FROM suggestions WHERE receipt_lookup = ?", (lookup,))
    matched = _verify(row["receipt_hash"] if row else _DUMMY, secret) and row is not None
    if not matched or len(secret) != SECRET_CHARS:
        db.write(lambda con: con.execute("INSERT INTO code_failures (person_id, failed_at) VALUES (?, ?)",
                                         (person_id, now)))
        raise BoardError(WRONG)
    return row["id"]


def _verify(digest: str, secret: str) -> bool:
    try:
        return _hasher.verify(digest, secret)
    except (VerificationError, InvalidHashError):
        return False
