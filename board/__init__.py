"""Frontline Board: staff feedback and process improvement for customer-service organisations."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # the database file and the pulse key, by default


def server_secret(value: str | None, key_file: Path, *, dialect: str, setting: str, purpose: str) -> bytes:
    """A server secret (the pulse voter key, the unsubscribe-link key): `value` from the environment or secrets, or
    on the embedded default a random key kept in `key_file` (made once, readable by its owner only). Several servers
    (PostgreSQL) must share one value, so there it is required: a StoreError names `setting` and `purpose`."""
    import os
    import secrets

    from board.store.base import StoreError

    if value and value.strip():
        return value.strip().encode()
    if dialect != "duckdb":
        raise StoreError(f"Set {setting} (the same random value on every app server) before {purpose}.")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()
