"""The store: the only package that imports a database driver (connect, transactions, retry, migrations).

DuckDB (one file, one process) is the default; BOARD_DATABASE_URL=postgresql://... selects PostgreSQL through
psycopg 3 for several app servers. Every service module writes one SQL text that both engines accept, binds
values with `?`, and annotates its store as `Database`; the differences (placeholders, result types, row
locks) live in duckdb.py and postgres.py."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from board import DATA_DIR
from board.store.base import (
    Conn,
    Database,
    DatabaseBusy,
    DatabaseUnreadable,
    MigrationFailed,
    SchemaTooNew,
    StoreError,
    WriteConflict,
    first_line,
)
from board.store.duckdb import DuckStore
from board.store.migrate import MIGRATIONS_LOCK, applied_migrations, available_migrations, migrate
from board.store.postgres import PgConn, PgStore, placeholders, redacted

__all__ = ["Conn", "Database", "DatabaseBusy", "DatabaseUnreadable", "DuckStore", "MIGRATIONS_LOCK",
           "MigrationFailed", "PgConn", "PgStore", "SchemaTooNew", "StoreError", "WriteConflict",
           "applied_migrations", "available_migrations", "close_store", "database_path", "database_url",
           "first_line", "is_url", "make_store", "migrate", "open_store", "placeholders", "redacted"]

DEFAULT_PATH = DATA_DIR / "board.duckdb"


def database_url() -> str | None:
    """The PostgreSQL URL in $BOARD_DATABASE_URL, or None for the embedded DuckDB file."""
    url = (os.environ.get("BOARD_DATABASE_URL") or "").strip()
    return url or None


def is_url(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def database_path() -> Path:
    """The database file: $BOARD_DB when set, else data/board.duckdb in the project."""
    return Path(os.environ.get("BOARD_DB") or DEFAULT_PATH)


# --- the process-wide store ---------------------------------------------------------

_stores: dict[Any, Any] = {}
_stores_lock = threading.Lock()


def make_store(target: Path | str | None = None, *, read_only: bool = False) -> Database:
    """A new store for a PostgreSQL URL or a DuckDB file; by default $BOARD_DATABASE_URL, else $BOARD_DB."""
    target = target or database_url() or database_path()
    if is_url(target):
        return PgStore(str(target), read_only=read_only)
    return DuckStore(target, read_only=read_only)


def _key(target: Path | str | None) -> Any:
    target = target or database_url() or database_path()
    return str(target) if is_url(target) else Path(target).resolve()


def open_store(target: Path | str | None = None) -> Database:
    """The process-wide store for a database (URL or file), connected and migrated once."""
    key = _key(target)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = make_store(key)
            try:
                migrate(store)
            except BaseException:
                store.close()
                raise
            _stores[key] = store
        return store


def close_store(target: Path | str | None = None) -> None:
    """Close and forget the process-wide store for a database (tests, CLI shutdown)."""
    with _stores_lock:
        store = _stores.pop(_key(target), None)
    if store is not None:
        store.close()
