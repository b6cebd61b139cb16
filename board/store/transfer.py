"""Moving from the embedded default to PostgreSQL: copy a DuckDB database into an empty PostgreSQL database.

Everything happens in one PostgreSQL transaction: the migrations, every table's rows (COPY, streamed from
one DuckDB snapshot, NUL taken out of text by DuckDB's SQL), the sequences, and then the check. Each table's
row count and content hash are computed on both sides from the values the two drivers return (an
order-independent hash: the XOR and the sum of each row's 64-bit hash), so a row that arrived changed, twice or
not at all stops the copy, and nothing is committed. A target that already holds tables is refused before
anything is written.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

from board import store as db
from board.errors import BoardError
from board.store import backup
from board.store.migrate import SCHEMA_MIGRATIONS_TABLE

BATCH = 20_000


class CopyRefused(BoardError):
    """The copy was refused or failed; nothing was written to PostgreSQL."""


@dataclass(frozen=True)
class Copied:
    tables: int
    rows: int


class _Digest:
    """Row count and order-independent content hash of a stream of rows. A row's hash is Python's own hash of
    its values (a list, as an array column arrives, as a tuple): the same values give the same hash within one
    process, and both sides are hashed in this one, several times faster than a digest of each row's text, which
    was a third of a large copy's time."""

    def __init__(self):
        self.rows, self.xor, self.sum = 0, 0, 0

    def add_batch(self, rows: list, lists: tuple[int, ...] = ()) -> None:
        """rows: tuples; lists: the positions of array columns (their lists become tuples)."""
        if lists:
            rows = [_tupled(row, lists) for row in rows]
        values = [hash(row) for row in rows]
        self.rows += len(values)
        self.xor ^= functools.reduce(operator.xor, values, 0)
        self.sum += sum(values)

    def value(self) -> tuple[int, str]:
        return self.rows, f"hash-xor:{self.xor & (2**64 - 1):016x}:sum:{self.sum:x}"


def _tupled(row: tuple, lists: tuple[int, ...]) -> tuple:
    values = list(row)
    for i in lists:
        if values[i] is not None:
            values[i] = tuple(values[i])
    return tuple(values)


def _columns(src: db.Conn, table: str) -> tuple[str, tuple[int, ...]]:
    """The source query of a table, its text without NUL (which PostgreSQL cannot hold, and the store drops:
    DuckDB takes it out, not Python once a value), and the positions of its array columns."""
    columns = src.rows("SELECT column_name AS name, data_type AS type FROM information_schema.columns"
                       " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                       (table,))
    shown = ", ".join(f'replace("{c["name"]}", chr(0), \'\') AS "{c["name"]}"' if c["type"] == "VARCHAR"
                      else f'"{c["name"]}"' for c in columns)
    return f'SELECT {shown} FROM "{table}"', tuple(i for i, c in enumerate(columns) if c["type"].endswith("[]"))


def copy_to_postgres(source: db.DuckStore, url: str) -> Copied:
    """Copy every table of a (migrated) DuckDB store into the empty PostgreSQL database at url."""
    if not db.is_url(url):
        raise CopyRefused("The target must be a PostgreSQL URL such as postgresql://user@host:5432/board.")
    target = db.PgStore(url, pool_size=1)
    try:
        with source.read() as src:
            src.execute("BEGIN TRANSACTION")  # one snapshot of the source for the copy and its check
            try:
                migrations = [r["name"] for r in src.rows("SELECT name FROM schema_migrations ORDER BY name")]
                known = [name for name, _ in db.available_migrations()]
                if migrations != known:
                    raise CopyRefused(f"{source.path} is not at this version's schema; run `python -m board "
                                      "migrate` first (it changes nothing else). Nothing was copied.")
                order = backup._tables_in_load_order(src)
                sequences = backup.sequence_values(src)
                try:
                    return target.write(lambda pg: _copy(src, pg, order, sequences, target.path),
                                        lock=db.MIGRATIONS_LOCK)
                except BoardError:
                    raise
                except target.Error as error:
                    raise CopyRefused(f"The copy into {target.path} failed and was rolled back; nothing was "
                                      f"written: {db.first_line(error)}") from error
            finally:
                src.execute("ROLLBACK")
    finally:
        target.close()


def _copy(src: db.Conn, pg: db.PgConn, order: list[str], sequences: dict, label: str) -> Copied:
    present = [r["table_name"] for r in pg.rows(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " ORDER BY table_name")]
    if present:
        shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        raise CopyRefused(f"{label} is not empty (it has the tables {shown}); copy-to-postgres only fills an "
                          "empty database, so create a new one (createdb) and name it instead. Nothing was copied.")
    pg.execute(SCHEMA_MIGRATIONS_TABLE)
    applied = db.available_migrations(dialect="postgres")  # read once: the records below name exactly these
    for _, sql in applied:
        pg.execute(sql)
    pg.execute("DELETE FROM schema_migrations")  # the source's own records (and dates) come with its rows
    # The lookup indexes go until the rows are in, then are built once each (a sort per index instead of an insert
    # per row into each, several times faster for a large database); the keys stay, for the foreign keys.
    lookups = pg.rows("SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i"
                      " WHERE i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                      " WHERE c.conname = i.indexname) ORDER BY i.indexname")
    for index in lookups:
        pg.execute(f'DROP INDEX "{index["name"]}"')
    total = 0
    for table in order:  # names from the source's own catalog, in foreign-key order
        expected, (select, lists) = _Digest(), _columns(src, table)
        for names, batch in src.batches(select, size=BATCH):
            expected.add_batch(batch, lists)
            pg.copy_rows(table, names, batch, clean=True)
        got = _Digest()  # the same migrations made the same columns in the same order on both sides
        for _, batch in pg.batches(f'SELECT * FROM "{table}"', size=BATCH):
            got.add_batch(batch, lists)
        if got.value() != expected.value():
            (n, _), (m, _) = got.value(), expected.value()
            raise CopyRefused(f"The table {table} did not arrive intact ({n} rows read back, {m} copied, or "
                              "their content differs); the copy was rolled back and nothing was written.")
        total += expected.rows
    for index in lookups:
        pg.execute(index["definition"])
    for name, last in sorted(sequences.items()):
        if last is not None:
            pg.scalar("SELECT setval(?, ?)", (name, last))
    copied = {r["name"] for r in pg.rows("SELECT name FROM schema_migrations")}
    for name, _ in applied:  # PostgreSQL's own (indexes), applied above
        if name not in copied:
            pg.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))
    return Copied(len(order), total)
