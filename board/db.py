"""The store: the only module that imports duckdb (connect, transactions, retry, migrations)."""

from __future__ import annotations

import os
import random
import re
import threading
import time
import zlib
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import duckdb

from board.errors import BoardError

T = TypeVar("T")

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "board.duckdb"
MIGRATIONS_PACKAGE = "board.migrations"
RETRIES = 10
LOCK_STRIPES = 64


class StoreError(BoardError):
    """A problem with the database that a person can act on; str() is the one-line message."""


class DatabaseBusy(StoreError):
    """Another process holds the database file's lock."""


class DatabaseUnreadable(StoreError):
    """The file is not a database this version can open."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer version of Frontline Board."""


class MigrationFailed(StoreError):
    """A migration failed and was rolled back; it stays pending."""


class WriteConflict(StoreError):
    """A write kept conflicting with concurrent writes after every retry."""


def database_path() -> Path:
    """The database file: $BOARD_DB when set, else data/board.duckdb in the project."""
    return Path(os.environ.get("BOARD_DB") or DEFAULT_PATH)


def _busy_message(path: Path, error: Exception) -> str:
    match = re.search(r"held in (\S+) \(PID (\d+)\)", str(error))
    holder = f"{Path(match.group(1)).name} (PID {match.group(2)})" if match else "another process"
    return (
        f"The database {path} is in use by {holder}, probably the running app: "
        "stop it (Ctrl-C where `make run` runs) and run this command again."
    )


class Conn:
    """A cursor for one unit of work, with helpers that always bind parameters."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        self._cur = cursor

    def execute(self, sql: str, params: tuple | list | dict = ()) -> "Conn":
        # Without parameters a script of several statements (a migration) is allowed.
        self._cur.execute(sql, params) if params else self._cur.execute(sql)
        return self

    def executemany(self, sql: str, rows: list) -> None:
        if rows:
            self._cur.executemany(sql, rows)

    def rows(self, sql: str, params: tuple | list | dict = ()) -> list[dict[str, Any]]:
        cur = self._cur.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def one(self, sql: str, params: tuple | list | dict = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: tuple | list | dict = ()) -> Any:
        row = self._cur.execute(sql, params).fetchone()
        return row[0] if row else None

    def insert_frame(self, table: str, frame) -> None:
        """Bulk-insert a pandas DataFrame whose columns are named like the table's (demo and benchmark data)."""
        if len(frame):
            self._cur.register("_frame", frame)
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            self._cur.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM _frame')
            self._cur.unregister("_frame")

    def df(self, sql: str, params: tuple | list | dict = ()):
        """The result as a pandas DataFrame (for reports and charts)."""
        return self._cur.execute(sql, params).df()

    def arrays(self, sql: str, params: tuple | list | dict = ()) -> dict:
        """The result as one numpy array per column (for roll-ups over many thousands of rows)."""
        return self._cur.execute(sql, params).fetchnumpy()


class Store:
    """One connection per process and database file; a cursor per unit of work."""

    def __init__(self, path: Path | str, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self._con = _connect(self.path, read_only)
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def close(self) -> None:
        self._con.close()

    @contextmanager
    def read(self) -> Iterator[Conn]:
        """A cursor for reads; each statement sees committed data."""
        cur = self._con.cursor()
        try:
            yield Conn(cur)
        finally:
            cur.close()

    def write(self, work: Callable[[Conn], T], *, lock: Any = None) -> T:
        """Run work(conn) in one transaction, retried on write conflicts.

        `lock` names the row(s) being updated (e.g. ("person", 7)); writes that
        name the same row are serialised, so hot-row updates never lose a write.
        """
        if lock is None:
            return self._with_retry(work)
        with self._stripes[zlib.crc32(repr(lock).encode()) % LOCK_STRIPES]:
            return self._with_retry(work)

    def _with_retry(self, work: Callable[[Conn], T]) -> T:
        for attempt in range(RETRIES):
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                result = work(Conn(cur))
                cur.execute("COMMIT")
                return result
            except duckdb.TransactionException as error:
                _rollback(cur)
                if "conflict" not in str(error).lower() or attempt == RETRIES - 1:
                    raise WriteConflict(
                        "Someone else changed the same record at the same moment; please try again."
                    ) from error
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
            except BaseException:
                _rollback(cur)
                raise
            finally:
                cur.close()
        raise AssertionError("unreachable")


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the transaction was already aborted


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise DatabaseBusy(_busy_message(path, error)) from error
        raise DatabaseUnreadable(f"{path} cannot be opened as a Frontline Board database: {error}") from error
    except duckdb.Error as error:
        raise DatabaseUnreadable(f"{path} cannot be opened as a Frontline Board database: {error}") from error


_stores: dict[Path, Store] = {}
_stores_lock = threading.Lock()


def open_store(path: Path | str | None = None) -> Store:
    """The process-wide store for a database file, connected and migrated once."""
    resolved = Path(path or database_path()).resolve()
    with _stores_lock:
        store = _stores.get(resolved)
        if store is None:
            store = Store(resolved)
            try:
                migrate(store)
            except BaseException:
                store.close()
                raise
            _stores[resolved] = store
        return store


def close_store(path: Path | str | None = None) -> None:
    """Close and forget the process-wide store for a file (tests, CLI shutdown)."""
    resolved = Path(path or database_path()).resolve()
    with _stores_lock:
        store = _stores.pop(resolved, None)
    if store is not None:
        store.close()


# --- migrations ---------------------------------------------------------------

def available_migrations(source: str | Path = MIGRATIONS_PACKAGE) -> list[tuple[str, str]]:
    """(name, sql) of every numbered migration in a package (or folder), in order."""
    root = source if isinstance(source, Path) else resources.files(source)
    files = [f for f in root.iterdir() if re.fullmatch(r"\d{4}_\w+\.sql", f.name)]
    return [(f.name, f.read_text(encoding="utf-8")) for f in sorted(files, key=lambda f: f.name)]


def applied_migrations(store: Store) -> list[str]:
    with store.read() as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
        return [r["name"] for r in con.rows("SELECT name FROM schema_migrations ORDER BY name")]


def migrate(store: Store, source: str | Path = MIGRATIONS_PACKAGE) -> list[str]:
    """Apply pending migrations in order, each in one transaction with its record; return their names."""
    known = available_migrations(source)
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

        def apply(con: Conn, name: str = name, sql: str = sql) -> None:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))

        try:
            store.write(apply)
        except StoreError:
            raise
        except duckdb.Error as error:
            raise MigrationFailed(f"Migration {name} failed and was rolled back: {error}") from error
        done.append(name)
    return done
