"""The embedded default: one DuckDB file, one connection per process, a cursor per unit of work."""

from __future__ import annotations

import os
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from board.i18n import _
from board.store.base import CONFLICT, Conn, DatabaseBusy, DatabaseUnreadable, T, WriteConflict, with_retries

LOCK_STRIPES = 64


class _Conflict(Exception):
    """A write-write conflict DuckDB reported; the transaction was rolled back and may be tried again."""


class DuckConn(Conn):
    """The helpers over a DuckDB cursor."""

    def insert_frame(self, table: str, frame: Any) -> None:
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

    def df(self, sql: str, params: tuple | list | dict = ()) -> Any:
        """The result as a pandas DataFrame (for reports and charts)."""
        return self._run(sql, params).df()

    def arrays(self, sql: str, params: tuple | list | dict = ()) -> dict:
        """The result as one numpy array per column (for roll-ups over many thousands of rows)."""
        return self._run(sql, params).fetchnumpy()


class DuckStore:
    """One connection per process and database file; a cursor per unit of work."""

    dialect = "duckdb"
    Error = duckdb.Error
    parallel_reads = 1  # independent reports run one after another: each DuckDB query uses every core

    def __init__(self, path: Path | str, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self._con = _connect(self.path, read_only)
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self._leaders: dict[str, threading.Lock] = {}
        self._leaders_lock = threading.Lock()

    def close(self) -> None:
        self._con.close()

    @contextmanager
    def read(self) -> Iterator[Conn]:
        """A cursor for reads; each statement sees committed data."""
        cur = self._con.cursor()
        try:
            yield DuckConn(cur)
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

    @contextmanager
    def leader(self, name: str) -> Iterator[bool]:
        """Whether this caller leads the job `name` (a background worker) for the context: True for one caller at
        a time, False at once for the others (never waits). The file belongs to one process, so a lock in the
        process is enough."""
        with self._leaders_lock:
            lock = self._leaders.setdefault(name, threading.Lock())
        leading = lock.acquire(blocking=False)
        try:
            yield leading
        finally:
            if leading:
                lock.release()

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
        def attempt() -> T:
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                result = work(DuckConn(cur))
                cur.execute("COMMIT")
                return result
            except duckdb.TransactionException as error:
                _rollback(cur)
                if "conflict" not in str(error).lower():
                    raise WriteConflict(_(CONFLICT)) from error
                raise _Conflict() from error
            except BaseException:
                _rollback(cur)
                raise
            finally:
                cur.close()

        return with_retries(attempt, lambda error: isinstance(error, _Conflict))


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the transaction was already aborted


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _create(path)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise DatabaseBusy(_busy_message(path, error)) from error
        raise DatabaseUnreadable(f"{path} cannot be opened as a Frontline Board database: {error}") from error
    except duckdb.Error as error:
        raise DatabaseUnreadable(f"{path} cannot be opened as a Frontline Board database: {error}") from error


def _create(path: Path) -> None:
    """Write a new, empty database file beside `path` and move it into place whole: a process killed while DuckDB
    writes the file's headers leaves no file, or a valid one, never a file no later start can open."""
    draft = path.with_name(path.name + ".new")
    for leftover in (draft, draft.with_name(draft.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a draft that an earlier, killed start left behind
    try:
        duckdb.connect(str(draft)).close()
    except duckdb.Error as error:
        raise DatabaseUnreadable(f"{path} cannot be created: {error}") from error
    os.replace(draft, path)


def _busy_message(path: Path, error: Exception) -> str:
    match = re.search(r"held in (\S+) \(PID (\d+)\)", str(error))
    holder = f"{Path(match.group(1)).name} (PID {match.group(2)})" if match else "another process"
    return (
        f"The database {path} is in use by {holder}, probably the running app: "
        "stop it (Ctrl-C where `make run` runs) and run this command again."
    )
