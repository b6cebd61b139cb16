"""PostgreSQL for several app servers: a pool of psycopg 3 connections; `?` becomes $n and results look like
DuckDB's, so every service writes one SQL text for both engines."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, cast

from board.i18n import _
from board.store.base import (
    Conn,
    DatabaseBusy,
    DatabaseUnreadable,
    StoreError,
    T,
    _bind,
    first_line,
    no_nul,
    with_retries,
)

PG_POOL_SIZE = 10
PG_WAIT_S = 30  # how long a request waits for a free pooled connection
LEADER_SPACE = 0x426F6172  # the first key of leadership locks: apart from write()'s one-key row locks
# Every connection's settings (the benchmark's raw floor uses them too). JIT compiling costs 50-70 ms per
# dashboard query and wins nothing at this size.
CONNECT_OPTIONS = "-c TimeZone=UTC -c default_transaction_isolation=read\\ committed -c jit=off"


@lru_cache(maxsize=4096)  # the SQL texts come from the code: a few hundred shapes
def placeholders(sql: str) -> str:
    """`?` placeholders as PostgreSQL's $1..$n, leaving literals, quoted names and comments alone."""
    return _replace_marks(sql, lambda n: f"${n}")


def _replace_marks(sql: str, mark: Callable[[int], str]) -> str:
    """The SQL with its n-th `?` (outside literals, quoted names and comments) replaced by mark(n)."""
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
            out.append(mark(n))
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class PgConn(Conn):
    """The same helpers over a psycopg cursor: `?` becomes $n, results look like DuckDB's."""

    _sql = staticmethod(placeholders)

    def _run(self, sql: str, params: tuple | list | dict, *, binary: bool = False) -> Any:
        return self._cur.execute(self._sql(sql), _bind(params), binary=binary or None)

    def insert_frame(self, table: str, frame: Any) -> None:
        if len(frame):
            frame = frame.copy()
            for name in frame.columns:  # pandas holds integer ids with gaps as floats: COPY wants integers
                kept = frame[name].dropna()
                if frame[name].dtype.kind == "f" and (kept == kept.round()).all():
                    frame[name] = frame[name].astype("Int64")
            rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
            self.copy_rows(table, list(frame.columns), rows)

    def copy_rows(self, table: str, columns: list[str], rows: list, *, clean: bool = False) -> None:
        """Bulk-load rows into a table with COPY (names from the schema, never from users). clean: the rows'
        text holds no NUL already (taken out by the query that read them), so it is not looked for again."""
        names = ", ".join(f'"{c}"' for c in columns)
        with self._cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row if clean else no_nul(row))

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

    def df(self, sql: str, params: tuple | list | dict = ()) -> Any:
        import pandas as pd

        cur = self._run(sql, params)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    def arrays(self, sql: str, params: tuple | list | dict = ()) -> dict:
        """The result as one numpy array per column. Columns of numbers without NULL come through a binary COPY
        read straight into numpy (6.1M pulse cells: no Python object per value); any other result through rows
        (NULL becomes a masked value)."""
        import numpy as np

        described = self._run(f"SELECT * FROM ({sql}) AS result LIMIT 0", params).description
        names, types = [d.name for d in described], [_FIXED_WIDTH.get(d.type_code) for d in described]
        if all(types):
            found = _binary_columns(self._copy_out(sql, params), names, cast(list[str], types))
            if found is not None:
                return found
        cur = self._run(sql, params)
        rows = cur.fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
        out: dict[str, np.ndarray] = {}
        for name, values in zip(names, columns, strict=True):
            if any(v is None for v in values):
                out[name] = np.ma.masked_array([0 if v is None else v for v in values],
                                               mask=[v is None for v in values])
            else:
                out[name] = np.array(values)
        return out

    def _copy_out(self, sql: str, params: tuple | list | dict) -> bytearray:
        """The query's result in COPY's binary format. COPY takes no bound parameters, so the values are written
        into the statement as literals, quoted by psycopg (the SQL text is the code's own)."""
        from psycopg import sql as pg_sql

        bound = _bind(params)  # as _run binds them: text without NUL
        values = list(bound.values()) if isinstance(bound, dict) else bound
        literals = [pg_sql.Literal(v).as_string(self._cur) for v in values]
        statement = _replace_marks(sql, lambda n: literals[n - 1])
        data = bytearray()
        with self._cur.copy(f"COPY ({statement}) TO STDOUT (FORMAT binary)") as copy:
            for block in copy:
                data += block
        return data  # numpy reads the columns from it in place: no second copy of a result of hundreds of MB


# PostgreSQL's fixed-width number types (by type oid) as numpy reads them from COPY's binary format (big-endian):
# boolean, smallint, integer, bigint, real and double precision.
_FIXED_WIDTH = {16: "?", 21: ">i2", 23: ">i4", 20: ">i8", 700: ">f4", 701: ">f8"}
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _binary_columns(data: bytearray, names: list[str], types: list[str]) -> dict | None:
    """Columns from COPY's binary format when every row holds every value at its fixed width: each row is then
    one record of a numpy dtype (field count, then each value's length and bytes). None when a value is NULL
    (its length is -1 and the row is shorter), so the caller reads the rows instead."""
    import numpy as np

    if not data.startswith(_COPY_SIGNATURE) or not data.endswith(b"\xff\xff"):
        raise StoreError("COPY's binary result is not in the format PostgreSQL documents")
    extension = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[19 + extension:len(data) - 2]
    record = np.dtype([("fields", ">i2")] + [
        field for i, kind in enumerate(types) for field in ((f"length{i}", ">i4"), (f"value{i}", kind))])
    if len(body) % record.itemsize:
        return None
    rows = np.frombuffer(body, dtype=record)
    if (rows["fields"] != len(names)).any() or any(
            (rows[f"length{i}"] != np.dtype(kind).itemsize).any() for i, kind in enumerate(types)):
        return None  # the first row with a NULL is read at its true place: its length is -1, not the width
    return {name: rows[f"value{i}"].astype(np.dtype(kind).newbyteorder("="))
            for i, (name, kind) in enumerate(zip(names, types, strict=True))}


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
            url, min_size=1, max_size=pool_size, open=False, configure=configure,
            check=ConnectionPool.check_connection, name="board",
            kwargs={"autocommit": True, "cursor_factory": psycopg.RawCursor,
                    "options": CONNECT_OPTIONS})
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
            raise DatabaseBusy(_("The database {path} is busy: every connection of this server was in use for"
                                 " {seconds} s. Please try again in a moment.", path=self.path,
                                 seconds=PG_WAIT_S)) from error
        except self._psycopg.OperationalError as error:
            raise StoreError(_("The connection to the database {path} was lost ({reason}); what you just sent may"
                               " not have been saved: please check and try again.", path=self.path,
                               reason=first_line(error))) from error

    @contextmanager
    def read(self) -> Iterator[PgConn]:
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

    @contextmanager
    def leader(self, name: str) -> Iterator[bool]:
        """Whether this caller leads the job `name` (a background worker) for the context, among every app server:
        True for one at a time, False at once for the others (never waits). A session advisory lock on a connection
        of its own, held for the context; if the holder's process dies its connection closes and the lock is free
        for the next server."""
        try:
            pg = self._psycopg.connect(self.url, autocommit=True, connect_timeout=10, options=CONNECT_OPTIONS)
        except self._psycopg.Error as error:
            raise StoreError(f"Cannot connect to the PostgreSQL database {self.path}: {first_line(error)}") from error
        key, leading = zlib.crc32(name.encode()) - 2**31, False  # the second key: a signed 32-bit integer
        try:
            row = pg.execute("SELECT pg_try_advisory_lock(%s, %s)", (LEADER_SPACE, key)).fetchone()
            leading = bool(row and row[0])
            yield leading
        finally:
            try:
                if leading:
                    pg.execute("SELECT pg_advisory_unlock(%s, %s)", (LEADER_SPACE, key))
            except Exception:
                pass  # a lost connection has already let the lock go
            finally:
                pg.close()

    def write(self, work: Callable[[PgConn], T], *, lock: Any = None) -> T:
        """Run work(conn) in one transaction, retried on serialisation failures and deadlocks.

        `lock` names the row(s) being updated; an advisory lock on it serialises those writes across
        every app server, as the in-process lock does for DuckDB.
        """
        with self._connection() as pg:
            def attempt() -> T:
                with pg.transaction(), pg.cursor() as cur:
                    if lock is not None:
                        cur.execute("SELECT pg_advisory_xact_lock($1)", (zlib.crc32(repr(lock).encode()),))
                    result = work(PgConn(cur))
                    cur.execute("SELECT pg_stat_force_next_flush()")  # change counters visible at commit
                    return result

            return with_retries(attempt, lambda error: isinstance(error, self._retryable))


def configure(pg: Any) -> None:
    """Per connection: numeric as float and json as text, as DuckDB returns them."""
    from psycopg.types.numeric import FloatLoader
    from psycopg.types.string import TextLoader

    pg.adapters.register_loader("numeric", FloatLoader)
    for name in ("json", "jsonb"):
        pg.adapters.register_loader(name, TextLoader)
