"""Numbered migrations: each applied in one transaction with its record, exactly once even when several
servers start together."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from board.store.base import Conn, Database, MigrationFailed, SchemaTooNew, StoreError

MIGRATIONS_PACKAGE = "board.store.migrations"


def available_migrations(source: str | Path = MIGRATIONS_PACKAGE, dialect: str = "duckdb") -> list[tuple[str, str]]:
    """(name, sql) of every numbered migration in a package (or folder), in order, for one backend:
    `NNNN_name.sql` is for both, `NNNN_name.postgres.sql` for PostgreSQL only (e.g. its lookup indexes)."""
    root = source if isinstance(source, Path) else resources.files(source)
    pattern = r"\d{4}_\w+(\.postgres)?\.sql" if dialect == "postgres" else r"\d{4}_\w+\.sql"
    files = [f for f in root.iterdir() if re.fullmatch(pattern, f.name)]
    return [(f.name, f.read_text(encoding="utf-8")) for f in sorted(files, key=lambda f: f.name)]


MIGRATIONS_LOCK = ("schema_migrations",)
SCHEMA_MIGRATIONS_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")


def applied_migrations(store: Database) -> list[str]:
    def read(con: Conn) -> list[str]:
        con.execute(SCHEMA_MIGRATIONS_TABLE)
        return [r["name"] for r in con.rows("SELECT name FROM schema_migrations ORDER BY name")]

    if store.read_only:
        with store.read() as con:
            return read(con)
    return store.write(read, lock=MIGRATIONS_LOCK)  # two servers starting at once create the table once


def migrate(store: Database, source: str | Path = MIGRATIONS_PACKAGE) -> list[str]:
    """Apply pending migrations in order, each in one transaction with its record; return their names.

    Each runs under the migrations lock and checks its record again inside, so servers starting together
    against one PostgreSQL database apply each migration exactly once."""
    known = available_migrations(source, store.dialect)
    applied = applied_migrations(store)
    unknown = sorted(set(applied) - {name for name, _ in known})
    if unknown:
        raise SchemaTooNew(
            f"{store.path} was updated by a newer Frontline Board (migration {unknown[-1]}); "
            "install that version instead. The file was not changed."
        )
    done = []
    for name, sql in known:
        if name in applied:
            continue

        def apply(con: Conn, name: str = name, sql: str = sql) -> bool:
            if con.scalar("SELECT count(*) FROM schema_migrations WHERE name = ?", (name,)):
                return False  # another server applied it while this one waited for the lock
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))
            return True

        try:
            if store.write(apply, lock=MIGRATIONS_LOCK):
                done.append(name)
        except StoreError:
            raise
        except store.Error as error:
            raise MigrationFailed(f"Migration {name} failed and was rolled back: {error}") from error
    return done
