"""The store: the only module that imports a database driver (connect, transactions, retry, migrations).

DuckDB (one file, one process) is the default; BOARD_DATABASE_URL=postgresql://... selects PostgreSQL through
psycopg 3 for several app servers. Every service module writes one SQL text that both engines accept and binds
values with `?`; the differences (placeholders, result types, row locks) live here."""

from __future__ import annotations

import os
import random
import re
import threading
import time
import zlib
from contextlib import contextmanager
from functools import lru_cache
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


def database_url() -> str | None:
    """The PostgreSQL URL in $BOARD_DATABASE_URL, or None for the embedded DuckDB file."""
    url = (os.environ.get("BOARD_DATABASE_URL") or "").strip()
    return url or None


def is_url(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


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


def _bind(params: tuple | list | dict) -> tuple | list | dict:
    """Parameters as stored: text never holds NUL (PostgreSQL cannot store it), on either backend."""
    if isinstance(params, dict):
        return {k: _no_nul(v) for k, v in params.items()}
    return [_no_nul(v) for v in params]


def _no_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, (list, tuple)):
        return [_no_nul(v) for v in value]
    return value


class Conn:
    """A cursor for one unit of work, with helpers that always bind parameters."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        self._cur = cursor

    @staticmethod
    def _sql(sql: str) -> str:
        """The statement as this engine takes it (DuckDB takes `?` as written)."""
        return sql

    def execute(self, sql: str, params: tuple | list | dict = ()) -> "Conn":
        # Without parameters a script of several statements (a migration) is allowed.
        self._cur.execute(self._sql(sql), _bind(params)) if params else self._cur.execute(sql)
        return self

    def executemany(self, sql: str, rows: list) -> None:
        if rows:
            self._cur.executemany(self._sql(sql), [_bind(r) for r in rows])

    def _run(self, sql: str, params: tuple | list | dict):
        return self._cur.execute(self._sql(sql), _bind(params))

    def rows(self, sql: str, params: tuple | list | dict = ()) -> list[dict[str, Any]]:
        cur = self._run(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def one(self, sql: str, params: tuple | list | dict = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: tuple | list | dict = ()) -> Any:
        row = self._run(sql, params).fetchone()
        return row[0] if row else None

    def insert_frame(self, table: str, frame) -> None:
        """Bulk-insert a pandas DataFrame whose columns are named like the table's (demo and benchmark data)."""
        if len(frame):
            self._cur.register("_frame", frame)
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            self._cur.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM _frame')
            self._cur.unregister("_frame")

    def batches(self, sql: str, *, size: int = 10_000) -> Iterator[tuple[list, list]]:
        """(column names, rows) of a query without parameters in batches of `size` rows, for results too
        large for one list."""
        cur = self._cur.execute(sql)
        names = [d[0] for d in cur.description]
        while batch := cur.fetchmany(size):
            yield names, batch

    def change_counts(self, tables: tuple[str, ...]) -> dict[str, int]:
        """For cache keys: per table, a number that changes whenever rows are added or removed. DuckDB keeps
        row counts in its metadata, so they are exact and cheap (tables are names from the caller's code)."""
        sql = " UNION ALL ".join(f"SELECT '{table}' AS t, count(*) AS n FROM \"{table}\"" for table in tables)
        return {r["t"]: r["n"] for r in self.rows(sql)}

    def df(self, sql: str, params: tuple | list | dict = ()):
        """The result as a pandas DataFrame (for reports and charts)."""
        return self._run(sql, params).df()

    def arrays(self, sql: str, params: tuple | list | dict = ()) -> dict:
        """The result as one numpy array per column (for roll-ups over many thousands of rows)."""
        return self._run(sql, params).fetchnumpy()


class Store:
    """One connection per process and database file; a cursor per unit of work."""

    dialect = "duckdb"
    Error = duckdb.Error
    parallel_reads = 1  # independent reports run one after another: each DuckDB query uses every core

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

    def reclaim(self, tables: tuple[str, ...]) -> bool:
        """Make deleted and rewritten rows unreadable from the files: a checkpoint moves the write-ahead log
        into the database file and empties it. False when other transactions kept it from running."""
        for attempt in range(20):
            try:
                with self.read() as con:
                    con.execute("CHECKPOINT")
                return True
            except duckdb.TransactionException:
                time.sleep(0.05 * (attempt + 1))  # another transaction is open: try again shortly
        return False

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


# --- PostgreSQL ----------------------------------------------------------------

PG_POOL_SIZE = 10
PG_WAIT_S = 30  # how long a request waits for a free pooled connection


def first_line(error: Exception) -> str:
    """An error's first line, for one-line messages."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


@lru_cache(maxsize=4096)  # the SQL texts come from the code: a few hundred shapes
def placeholders(sql: str) -> str:
    """`?` placeholders as PostgreSQL's $1..$n, leaving literals, quoted names and comments alone."""
    out, n, i, size = [], 0, 0, len(sql)
    while i < size:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < size:
                if sql[end] == ch:
                    if end + 1 < size and sql[end + 1] == ch:  # a doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i:end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = size if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = size if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif ch == "?":
            n += 1
            out.append(f"${n}")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class PgConn(Conn):
    """The same helpers over a psycopg cursor: `?` becomes $n, results look like DuckDB's."""

    _sql = staticmethod(placeholders)

    def insert_frame(self, table: str, frame) -> None:
        if len(frame):
            frame = frame.copy()
            for name in frame.columns:  # pandas holds integer ids with gaps as floats: COPY wants integers
                kept = frame[name].dropna()
                if frame[name].dtype.kind == "f" and (kept == kept.round()).all():
                    frame[name] = frame[name].astype("Int64")
            self.copy_rows(table, list(frame.columns), frame.astype(object).where(frame.notna(), None).to_numpy().tolist())

    def copy_rows(self, table: str, columns: list[str], rows: list) -> None:
        """Bulk-load rows into a table with COPY (names from the schema, never from users)."""
        names = ", ".join(f'"{c}"' for c in columns)
        with self._cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(_no_nul(row))

    def batches(self, sql: str, *, size: int = 10_000) -> Iterator[tuple[list, list]]:
        """(column names, rows) in batches, from a server-side cursor (in a transaction: write())."""
        with self._cur.connection.cursor(name=f"board_batches_{id(self)}") as cur:
            cur.execute(sql.replace("%", "%%"))
            names = None
            while batch := cur.fetchmany(size):
                names = names or [d.name for d in cur.description]
                yield names, batch

    def change_counts(self, tables: tuple[str, ...]) -> dict[str, int]:
        """PostgreSQL's per-table insert, update and delete counters: cheap where count(*) scans millions of
        rows, and flushed at the commit of every write (PgStore.write asks for it), so other servers see them."""
        found = {r["t"]: r["n"] for r in self.rows(
            "SELECT relname AS t, n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables"
            " WHERE schemaname = current_schema() AND relname = ANY(CAST(? AS VARCHAR[]))", (list(tables),))}
        return {table: found.get(table, 0) for table in tables}

    def df(self, sql: str, params: tuple | list | dict = ()):
        import pandas as pd

        cur = self._run(sql, params)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    def arrays(self, sql: str, params: tuple | list | dict = ()) -> dict:
        import numpy as np

        cur = self._run(sql, params)
        names, rows = [d.name for d in cur.description], cur.fetchall()
        columns = list(zip(*rows)) if rows else [()] * len(names)
        out = {}
        for name, values in zip(names, columns):
            if any(v is None for v in values):
                out[name] = np.ma.masked_array([0 if v is None else v for v in values],
                                               mask=[v is None for v in values])
            else:
                out[name] = np.array(values)
        return out


def redacted(url: str) -> str:
    """The URL without its password, for messages and cache keys."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1@", url)


class PgStore:
    """A pool of psycopg connections to one PostgreSQL database (READ COMMITTED, autocommit reads)."""

    dialect = "postgres"
    parallel_reads = 4  # independent reports at once, each on its own pooled connection (one core per query)

    def __init__(self, url: str, *, read_only: bool = False, pool_size: int = PG_POOL_SIZE):
        import psycopg
        from psycopg_pool import ConnectionPool

        self._psycopg = psycopg
        self.url, self.path, self.read_only = url, redacted(url), read_only
        self.Error = psycopg.Error
        self._retryable = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)
        self._pool = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=False, configure=_configure_pg,
            check=ConnectionPool.check_connection, name="board",
            kwargs={"autocommit": True, "cursor_factory": psycopg.RawCursor,
                    # JIT compiling costs 50-70 ms per dashboard query and wins nothing at this size.
                    "options": "-c TimeZone=UTC -c default_transaction_isolation=read\\ committed -c jit=off"})
        try:  # one direct attempt first: the pool would retry for its whole timeout and hide the cause
            psycopg.connect(url, connect_timeout=10).close()
            self._pool.open(wait=True, timeout=10)
        except Exception as error:
            self._pool.close()
            reason = first_line(error)
            raise DatabaseUnreadable(f"Cannot connect to the PostgreSQL database {self.path}: {reason}") from error

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A pooled connection; a pool that stays exhausted or a lost server is one line, not a traceback."""
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection(timeout=PG_WAIT_S) as pg:
                yield pg
        except PoolTimeout as error:
            raise DatabaseBusy(f"The database {self.path} is busy: every connection of this server was in use "
                               f"for {PG_WAIT_S} s. Please try again in a moment.") from error
        except self._psycopg.OperationalError as error:
            raise StoreError(f"The connection to the database {self.path} was lost ({first_line(error)}); "
                             "what you just sent may not have been saved: please check and try again.") from error

    @contextmanager
    def read(self) -> Iterator[Conn]:
        """A cursor for reads; each statement sees committed data."""
        with self._connection() as pg:
            with pg.cursor() as cur:
                yield PgConn(cur)

    def reclaim(self, tables: tuple[str, ...]) -> bool:
        """Rewrite the tables into new files (VACUUM FULL), so deleted and rewritten rows are not left in the
        old pages; PostgreSQL's own WAL and backups are the server operator's to keep or recycle."""
        with self.read() as con:  # autocommit: VACUUM cannot run inside a transaction
            con.execute(f"VACUUM FULL {', '.join(tables)}")
        return True

    def write(self, work: Callable[[Conn], T], *, lock: Any = None) -> T:
        """Run work(conn) in one transaction, retried on serialisation failures and deadlocks.

        `lock` names the row(s) being updated; an advisory lock on it serialises those writes across
        every app server, as the in-process lock does for DuckDB.
        """
        with self._connection() as pg:
            for attempt in range(RETRIES):
                try:
                    with pg.transaction(), pg.cursor() as cur:
                        if lock is not None:
                            cur.execute("SELECT pg_advisory_xact_lock($1)", (zlib.crc32(repr(lock).encode()),))
                        result = work(PgConn(cur))
                        cur.execute("SELECT pg_stat_force_next_flush()")  # change counters visible at commit
                        return result
                except self._retryable as error:
                    if attempt == RETRIES - 1:
                        raise WriteConflict(
                            "Someone else changed the same record at the same moment; please try again."
                        ) from error
                    time.sleep(random.uniform(0, 0.002 * 2**attempt))
        raise AssertionError("unreachable")


def _configure_pg(pg) -> None:
    """Per connection: numeric as float and json as text, as DuckDB returns them."""
    from psycopg.types.numeric import FloatLoader
    from psycopg.types.string import TextLoader

    pg.adapters.register_loader("numeric", FloatLoader)
    for name in ("json", "jsonb"):
        pg.adapters.register_loader(name, TextLoader)


# --- the process-wide store ---------------------------------------------------------

_stores: dict[Any, Any] = {}
_stores_lock = threading.Lock()


def make_store(target: Path | str | None = None, *, read_only: bool = False) -> Store | PgStore:
    """A new store for a PostgreSQL URL or a DuckDB file; by default $BOARD_DATABASE_URL, else $BOARD_DB."""
    target = target or database_url() or database_path()
    if is_url(target):
        return PgStore(str(target), read_only=read_only)
    return Store(target, read_only=read_only)


def _key(target: Path | str | None) -> Any:
    target = target or database_url() or database_path()
    return str(target) if is_url(target) else Path(target).resolve()


def open_store(target: Path | str | None = None) -> Store | PgStore:
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


# --- migrations ---------------------------------------------------------------

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


def applied_migrations(store: Store | PgStore) -> list[str]:
    def read(con: Conn) -> list[str]:
        con.execute(SCHEMA_MIGRATIONS_TABLE)
        return [r["name"] for r in con.rows("SELECT name FROM schema_migrations ORDER BY name")]

    if store.read_only:
        with store.read() as con:
            return read(con)
    return store.write(read, lock=MIGRATIONS_LOCK)  # two servers starting at once create the table once


def migrate(store: Store | PgStore, source: str | Path = MIGRATIONS_PACKAGE) -> list[str]:
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
