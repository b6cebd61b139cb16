"""One-click unsubscribe links that work without signing in: a token names a person and a kind, is signed with a
server secret (HMAC-SHA256), and works once."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import datetime

from board import DATA_DIR, server_secret
from board.clock import utcnow
from board.errors import Invalid
from board.i18n import N_, _
from board.notify import preferences
from board.notify.kinds import DAILY_DIGEST, KINDS, mode_for
from board.store import Conn, Database

KEY_FILE = DATA_DIR / "secret_notify.key"
NOT_VALID = N_("This unsubscribe link is not valid or was used already.")
MAC_BYTES = 32


def secret_key(dialect: str = "duckdb") -> bytes:
    """The key that signs the links: the notification secret (BOARD_NOTIFY_SECRET or [notify] secret), or on the
    embedded default a random key kept in data/secret_notify.key (made once, readable by its owner only). Several
    servers must share one secret, or a link made by one would fail on another."""
    from board.notify import config  # read on use: a page may open a link long after the server started

    return server_secret(config.load().secret, KEY_FILE, dialect=dialect, setting="BOARD_NOTIFY_SECRET",
                         purpose="sending email")


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def make(person_id: int, kind: str, *, key: bytes | None = None) -> str:
    """A new link token for one person and one kind (a daily digest's token stops every kind that came in it)."""
    if kind not in KINDS and kind != DAILY_DIGEST:
        raise ValueError(f"no unsubscribe from {kind!r}")
    payload = f"{int(person_id)}:{kind}:{secrets.token_urlsafe(12)}".encode()
    raw = payload + _mac(key or secret_key(), payload)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _opened(token: str, key: bytes) -> tuple[int, str]:
    """The person and kind a genuine token names; Invalid (one message for every fault) otherwise."""
    try:
        raw = base64.urlsafe_b64decode(token.strip() + "=" * (-len(token.strip()) % 4))
        payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if len(raw) <= MAC_BYTES or not hmac.compare_digest(mac, _mac(key, payload)):
            raise ValueError
        person, kind, _nonce = payload.decode().split(":")
        if kind not in KINDS and kind != DAILY_DIGEST:
            raise ValueError
        return int(person), kind
    except (ValueError, binascii.Error, UnicodeError):
        raise Invalid({"token": _(NOT_VALID)}) from None


def unsubscribe(db: Database, token: str, now: datetime | None = None, *, key: bytes | None = None) -> tuple[int, str]:
    """Stop the kind the token names for its person (for a daily digest token: every kind they get daily), once:
    the token is spent in the same transaction. (person_id, kind); Invalid with one message for a forged, changed,
    spent or unknown token."""
    person_id, kind = _opened(token, key or secret_key(db.dialect))
    now = now or utcnow()
    spent = hashlib.sha256(token.strip().encode()).hexdigest()

    def apply(con: Conn) -> None:
        role = con.scalar("SELECT role FROM people WHERE id = ?", (person_id,))
        if role is None or not con.scalar("INSERT INTO unsubscribe_used (token_hash, used_at) VALUES (?, ?)"
                                          " ON CONFLICT DO NOTHING RETURNING 1", (spent, now)):
            raise Invalid({"token": _(NOT_VALID)})
        if kind == DAILY_DIGEST:
            chosen = preferences.chosen_in(con, person_id)
            stopped = [k for k in KINDS if mode_for(role, k, chosen.get(k)) == "daily"]
        else:
            stopped = [kind]
        for each in stopped:
            preferences.set_in(con, person_id, each, "never", now)

    db.write(apply, lock=("unsubscribe", spent))
    return person_id, kind
