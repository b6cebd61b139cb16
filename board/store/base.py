"""What both engines share: the connection helpers services call, the Database protocol they annotate, the
store's errors, and the one retry rule for conflicting writes."""

from __future__ import annotations

import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from board.errors import BoardError
from board.i18n import N_, _

T = TypeVar("T")
RETRIES = 10
CONFLICT = N_("Someone else changed the same record at the same moment; please try again.")


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


def first_line(error: BaseException) -> str:
    """An error's first line, for one-line messages."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def with_retries(attempt: Callable[[], T], retryable: Callable[[BaseException], bool]) -> T:
    """attempt() until it succeeds, retrying (with a short random backoff) the errors `retryable` accepts;
    after the last try the conflict is one line a person can act on."""
    for n in range(RETRIES):
        try:
            return attempt()
        except Exception as error:
            if not retryable(error):
                raise
            if n == RETRIES - 1:
                raise WriteConflict(_(CONFLICT)) from error
            time.sleep(random.uniform(0, 0.002 * 2**n))
    raise AssertionError("unreachable")


def no_nul(value: Any) -> Any:
    """Text as stored: never holding NUL (PostgreSQL cannot store it), on either backend."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, (list, tuple)):
        return [no_nul(v) for v in value]
    return value


def _bind(params: tuple | list | dict) -> tuple | list | dict:
    if isinstance(params, dict):
        return {k: no_nul(v) for k, v in params.items()}
    return [no_nul(v) for v in params]


class Conn(ABC):
    """A cursor for one unit of work, with helpers that always bind parameters (`?` in the SQL text). Each
    engine's subclass adds bulk loads, batches and frames in its own way."""

    def __init__(self, cursor: Any):
        self._cur = cursor

    @staticmethod
    def _sql(sql: str) -> str:
        """The statement as this engine takes it (DuckDB takes `?` as written)."""
        return sql

    def execute(self, sql: str, params: tuple | list | dict = ()) -> Conn:
        # Without parameters a script of several statements (a migration) is allowed.
        self._cur.execute(self._sql(sql), _bind(params)) if params else self._cur.execute(sql)
        return self

    def executemany(self, sql: str, rows: list) -> None:
        if rows:
            self._cur.executemany(self._sql(sql), [_bind(r) for r in rows])

    def _run(self, sql: str, params: tuple | list | dict, *, binary: bool = False) -> Any:
        return self._cur.execute(self._sql(sql), _bind(params))

    def rows(self, sql: str, params: tuple | list | dict = (), *, binary: bool = False) -> list[dict[str, Any]]:
        """The result as dicts. binary: PostgreSQL sends it in its binary format, where bytes come as they are
        instead of as hex text (five times faster for the 24,000 rows of ack_times a dashboard reads at 10x);
        DuckDB has one format."""
        cur = self._run(sql, params, binary=binary)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def one(self, sql: str, params: tuple | list | dict = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: tuple | list | dict = ()) -> Any:
        row = self._run(sql, params).fetchone()
        return row[0] if row else None

    @abstractmethod
    def insert_frame(self, table: str, frame: Any) -> None:
        """Bulk-insert a pandas DataFrame whose columns are named like the table's (demo and benchmark data)."""

    @abstractmethod
    def batches(self, sql: str, *, size: int = 10_000) -> Iterator[tuple[list, list]]:
        """(column names, rows) of a query without parameters in batches of `size` rows."""

    @abstractmethod
    def change_counts(self, tables: tuple[str, ...]) -> dict[str, int]:
        """For cache keys: per table, a number that changes whenever rows are added, changed or removed."""

    @abstractmethod
    def df(self, sql: str, params: tuple | list | dict = ()) -> Any:
        """The result as a pandas DataFrame (for reports and charts)."""

    @abstractmethod
    def arrays(self, sql: str, params: tuple | list | dict = ()) -> dict:
        """The result as one numpy array per column (for roll-ups over many thousands of rows)."""


class Database(Protocol):
    """What services need from a store, on either engine: reads, one-transaction writes, and reclaiming
    the space of deleted rows. `DuckStore` and `PgStore` are the two."""

    dialect: str  # "duckdb" or "postgres"
    path: Any  # the file, or the URL without its password: for messages
    read_only: bool
    parallel_reads: int  # how many independent reports may run at once

    @property
    def Error(self) -> type[Exception]:  # the driver's base error class, named as drivers name it
        ...

    def read(self) -> AbstractContextManager[Conn]: ...

    def write(self, work: Callable[[Conn], T], *, lock: Any = None) -> T: ...

    def reclaim(self, tables: tuple[str, ...]) -> bool: ...

    def leader(self, name: str) -> AbstractContextManager[bool]: ...

    def close(self) -> None: ...
