"""PostgreSQL as the store for several app servers: the dialect layer, migrations and locks shared by several
stores (one per server process), caches seeing other servers' writes, and copy-to-postgres."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime

import numpy as np
import pytest

from board import cli
from board import store as db
from board.errors import BoardError
from board.feedback import workflow
from board.org import people
from board.reporting import dashboard
from board.reporting.dashboard import OPEN_SQL
from board.store import transfer
from tests.support.suggestions import submit


@pytest.fixture
def empty_pg(pg_cluster):
    """A new, empty PostgreSQL database (no tables): its URL."""
    name = pg_cluster.fresh_name("empty")
    url = pg_cluster.create(name)
    yield url
    db.close_store(url)
    pg_cluster.drop(name)


def table_names(url: str) -> list[str]:
    store = db.PgStore(url, pool_size=1)
    try:
        with store.read() as con:
            return [r["table_name"] for r in con.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                " ORDER BY table_name")]
    finally:
        store.close()


# --- the dialect layer ------------------------------------------------------------------------------

@pytest.mark.parametrize("sql, expected", [
    ("SELECT ? + ?", "SELECT $1 + $2"),
    ("SELECT '?' || ?", "SELECT '?' || $1"),
    ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"),
    ('SELECT "odd?name" FROM t WHERE a = ?', 'SELECT "odd?name" FROM t WHERE a = $1'),
    ("SELECT 1 -- why?\nWHERE a = ?", "SELECT 1 -- why?\nWHERE a = $1"),
    ("SELECT /* ? */ ?", "SELECT /* ? */ $1"),
    ("SELECT unnest(?::DATE[])", "SELECT unnest($1::DATE[])"),
])
def test_question_marks_become_numbered_placeholders_outside_literals_and_comments(sql, expected):
    assert db.placeholders(sql) == expected


def test_text_never_stores_nul_on_either_backend(store):
    store.write(lambda con: con.execute("INSERT INTO regions (name) VALUES (?)", ("North\x00ern",)))
    with store.read() as con:
        assert con.scalar("SELECT name FROM regions") == "Northern"
        assert con.scalar("SELECT count(*) FROM regions WHERE name = ?", ("North\x00ern",)) == 1


def test_results_have_the_same_python_types_on_both_backends(store):
    """numeric as float, json as text, arrays as lists, one numpy array per column."""
    with store.read() as con:
        row = con.one("SELECT avg(x) AS a, CAST('{\"k\": 1}' AS JSON) AS j, CAST(ARRAY[1, 2] AS INTEGER[]) AS l,"
                      " CAST('2026-01-02' AS DATE) AS d FROM (SELECT 1 AS x UNION ALL SELECT 2) v")
        arrays = con.arrays("SELECT x, CASE WHEN x > 1 THEN x END AS y FROM (SELECT 1 AS x UNION ALL SELECT 2) v"
                            " ORDER BY x")
    assert row == {"a": 1.5, "j": '{"k": 1}', "l": [1, 2], "d": date(2026, 1, 2)}
    assert type(row["a"]) is float and list(arrays["x"]) == [1, 2]
    assert list(arrays["y"].mask) == [True, False] and arrays["y"][1] == 2


def test_arrays_hold_what_rows_hold_for_every_number_type_on_both_backends(store):
    """PostgreSQL reads columns of numbers through COPY's binary format (bound values written as literals): the
    same values as the rows, whatever the type, the parameters (text with NUL too) or a NULL in a later row (masked
    there)."""
    sql = ("SELECT i, CAST(i AS SMALLINT) AS small, CAST(i AS BIGINT) * 3000000000 AS big,"
           " CAST(i AS DOUBLE PRECISION) / 4 AS half, CAST(CAST(i AS DOUBLE PRECISION) / 8 AS REAL) AS single,"
           " i % 3 = 0 AS third,"
           " CASE WHEN ? = 'it''s ?' AND i <> 1500 THEN i END AS gap FROM generate_series(1, ?) AS g(i)"
           " WHERE CAST(? AS DATE) < DATE '2026-12-01' ORDER BY i")
    params = ("it's \x00?", 2000, date(2026, 11, 30))  # NUL is taken out of text, as in every bound value
    with store.read() as con:
        rows = con.rows(sql, params)
        found = con.arrays(sql, params)
        numbers = con.arrays(sql.replace("i <> 1500", "i > 0"), params)
        nothing = con.arrays(sql, ("it's ?", 0, date(2026, 11, 30)))
    assert len(rows) == 2000 and rows[1499]["gap"] is None
    for name in rows[0]:  # a masked value's tolist() is None
        assert found[name].tolist() == [r[name] for r in rows], name
    assert list(np.flatnonzero(found["gap"].mask)) == [1499]
    assert not isinstance(numbers["gap"], np.ma.MaskedArray) and numbers["gap"].tolist() == numbers["i"].tolist()
    assert {name: kind.dtype.kind for name, kind in numbers.items()} == {
        "i": "i", "small": "i", "big": "i", "half": "f", "single": "f", "third": "b", "gap": "i"}
    assert [len(v) for v in nothing.values()] == [0] * 7
    if store.dialect == "postgres":  # the binary path is the one taken, and it gives way at the NULL
        from board.store.postgres import _binary_columns

        names, kinds = list(rows[0]), [">i4", ">i2", ">i8", ">f8", ">f4", "?", ">i4"]
        with store.read() as con:
            whole = _binary_columns(con._copy_out(sql.replace("i <> 1500", "i > 0"), params), names, kinds)
            gap = _binary_columns(con._copy_out(sql, params), names, kinds)
        assert whole is not None and whole["big"].tolist() == numbers["big"].tolist() and gap is None


def test_rows_in_binary_hold_what_rows_hold_on_both_backends(store):
    """rows(binary=True) (PostgreSQL's binary format: bytes as they are, not hex text) gives the same values and
    types as the text format for every kind of column the board stores, NULL included."""
    sql = ("SELECT i, CAST(i AS BIGINT) * 3000000000 AS big, CAST(i AS DOUBLE PRECISION) / 4 AS half,"
           " i % 3 = 0 AS third, CAST(i AS VARCHAR) || ? AS label, CAST(? AS DATE) + CAST(i AS INTEGER) AS day,"
           " CAST(? AS TIMESTAMP) AS moment, CASE WHEN i % 2 = 0 THEN CAST(? AS BYTEA) END AS content,"
           " CAST(NULL AS INTEGER) AS nothing FROM generate_series(1, 50) AS g(i) ORDER BY i")
    params = (" é", date(2026, 11, 30), datetime(2026, 11, 30, 9, 15, 1, 250), b"\x00\xffbytes")
    with store.read() as con:
        text, binary = con.rows(sql, params), con.rows(sql, params, binary=True)
    assert len(binary) == 50 and binary == text
    assert [type(v) for v in binary[1].values()] == [type(v) for v in text[1].values()]
    assert binary[1]["content"] == b"\x00\xffbytes" and binary[0]["content"] is None


def test_postgresql_only_migrations_run_only_there(store):
    applied = db.applied_migrations(store)
    only = [name for name in applied if name.endswith(".postgres.sql")]
    expected = [
        "0006_lookup_indexes.postgres.sql", "0014_outbox_lookup.postgres.sql", "0019_summary_lookup.postgres.sql",
        "0020_dashboard_scans.postgres.sql", "0022_dashboard_lookups.postgres.sql",
        "0025_pulse_rollup_lookup.postgres.sql",
    ]
    assert only == (expected if store.dialect == "postgres" else [])
    if store.dialect == "postgres":
        with store.read() as con:
            assert con.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'suggestion_events_suggestion'") == 1
            assert con.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'pulse_rollup_level'") == 1


def test_the_open_suggestions_index_holds_exactly_the_open_statuses(empty_pg):
    """Migration 0020 names the open statuses in SQL: they must stay workflow.OPEN, or the ageing chart's
    query (dashboard.OPEN_SQL) no longer implies the index's condition and scans every suggestion again."""
    with db.open_store(empty_pg).read() as con:
        definition = con.scalar("SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                                " WHERE indexrelid = 'suggestions_open'::regclass")
    named = set(re.findall(r"'(\w+)'::", definition))
    assert named == set(workflow.OPEN)
    assert OPEN_SQL.removeprefix("s.status IN ") == "(" + ", ".join(f"'{s}'" for s in workflow.OPEN) + ")"


def test_an_unreachable_server_is_explained_in_one_line(pg_cluster):
    url = pg_cluster.url("no_such_database")
    with pytest.raises(db.DatabaseUnreadable) as raised:
        db.open_store(url)
    assert "\n" not in str(raised.value) and "no_such_database" in str(raised.value)
    assert str(raised.value).startswith("Cannot connect to the PostgreSQL database postgresql://board@")


def test_the_password_never_appears_in_messages():
    assert db.redacted("postgresql://board:s3cret@db:5432/board") == "postgresql://board@db:5432/board"


def test_connections_the_server_dropped_are_replaced_unnoticed(empty_pg):
    store = db.open_store(empty_pg)
    with store.read() as con:
        assert con.scalar("SELECT count(*) FROM regions") == 0
    admin = db.PgStore(empty_pg, pool_size=1)
    with admin.read() as con:  # as a database restart or an idle timeout would
        killed = con.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    admin.close()
    assert killed >= 1
    store.write(lambda con: con.execute("INSERT INTO regions (name) VALUES ('After the restart')"))
    with store.read() as con:
        assert con.scalar("SELECT name FROM regions") == "After the restart"


def test_a_pool_that_stays_exhausted_is_explained_in_one_line(empty_pg, monkeypatch):
    monkeypatch.setattr("board.store.postgres.PG_WAIT_S", 0.5)
    store = db.PgStore(empty_pg, pool_size=1)
    try:
        with store.read():
            with pytest.raises(db.DatabaseBusy, match="every connection of this server was in use"):
                with store.read():
                    pass
    finally:
        store.close()


# --- several servers on one database ------------------------------------------------------------------

def test_servers_starting_together_apply_each_migration_once(empty_pg):
    stores, done, errors = [db.PgStore(empty_pg) for _ in range(4)], [], []

    def start(store):
        try:
            done.append(db.migrate(store))
        except Exception as error:  # noqa: BLE001 - the assertion below shows it
            errors.append(error)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        names = [name for name, _ in db.available_migrations(dialect="postgres")]
        assert sorted(n for d in done for n in d) == names  # each applied by exactly one server
        assert db.applied_migrations(stores[0]) == names
    finally:
        for s in stores:
            s.close()


def test_a_row_lock_serialises_read_modify_write_across_servers(empty_pg):
    """`lock=` is an advisory lock on PostgreSQL: two stores (two servers) never lose an update."""
    store = db.open_store(empty_pg)
    store.write(lambda con: con.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER);"
                                        " INSERT INTO counter VALUES (1, 0);"))
    other = db.PgStore(store.url)

    def bump(con):
        n = con.scalar("SELECT n FROM counter WHERE id = 1")  # read, then write: loses updates unless serialised
        con.execute("UPDATE counter SET n = ? WHERE id = 1", (n + 1,))

    def worker(s):
        for _ in range(40):
            s.write(bump, lock=("counter", 1))

    threads = [threading.Thread(target=worker, args=(s,)) for s in (store, other) * 3]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with other.read() as con:
            assert con.scalar("SELECT n FROM counter WHERE id = 1") == 6 * 40
    finally:
        other.close()


@pytest.fixture
def two_servers(pg_cluster, pg_templates):
    """Two stores, as two app server processes have, on one copy of the demo database."""
    name = pg_cluster.fresh_name()
    url = pg_cluster.create(name, pg_templates.get("demo"))
    stores = db.PgStore(url), db.PgStore(url)
    yield stores
    for s in stores:
        s.close()
    pg_cluster.drop(name)


def test_a_write_through_one_server_changes_the_other_servers_cache_key(two_servers):
    one, other = two_servers
    staff = people.find_by_email(one, "staff@demo.board")
    before = dashboard.data_version(other)
    submit(one, staff, title="Seen by the other server")
    assert dashboard.data_version(other)["suggestions"] != before["suggestions"]


def test_the_cache_key_changes_when_an_earlier_transaction_commits_last(two_servers):
    """Ids are handed out before commit: an event with a smaller id can commit after a bigger one. The
    dashboards' cache key must still change when it does (max(id) alone would not)."""
    one, other = two_servers
    add = "INSERT INTO suggestion_events (suggestion_id, kind, note, created_at) VALUES (1, 'comment', ?, now())"
    holding, release = threading.Event(), threading.Event()

    def slow(con):
        con.execute(add, ("committed last",))
        holding.set()
        release.wait(10)

    thread = threading.Thread(target=lambda: one.write(slow))
    thread.start()
    assert holding.wait(10)
    other.write(lambda con: con.execute(add, ("committed first",)))
    seen = dashboard.data_version(other)
    release.set()
    thread.join()
    with other.read() as con:
        first, last = (con.scalar("SELECT id FROM suggestion_events WHERE note = ?", (n,))
                       for n in ("committed first", "committed last"))
    assert last < first  # the case in question: the smaller id committed after the bigger one
    assert dashboard.data_version(other)["suggestions"] != seen["suggestions"]


# --- copy-to-postgres -----------------------------------------------------------------------------

@pytest.fixture
def demo_file(tmp_path, demo_template, monkeypatch):
    """A private copy of the DuckDB demo database, as the embedded default; BOARD_DB points at it."""
    path = tmp_path / "board.duckdb"
    path.write_bytes(demo_template.read_bytes())
    monkeypatch.setenv("BOARD_DB", str(path))
    monkeypatch.delenv("BOARD_DATABASE_URL", raising=False)
    yield path
    db.close_store(path)


def everything(store) -> dict[str, list]:
    with store.read() as con:
        names = [r["table_name"] for r in con.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        return {n: sorted(repr(tuple(r.values())) for r in con.rows(f'SELECT * FROM "{n}"')) for n in names}


def index_definitions(store: db.Database) -> dict[str, tuple]:
    """Each index: its table, columns, uniqueness and whether it is partial (PostgreSQL spells a rebuilt
    index's condition with other casts, so the text would differ while the index does not)."""
    with store.read() as con:
        return {r["name"]: (r["table_name"], r["columns"], r["is_unique"], r["partial"]) for r in con.rows(
            "SELECT c.relname AS name, t.relname AS table_name, CAST(i.indkey AS TEXT) AS columns,"
            " i.indisunique AS is_unique, i.indpred IS NOT NULL AS partial FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()")}


def test_copy_to_postgres_moves_every_row_and_the_app_carries_on(demo_file, empty_pg, pg_cluster):
    source = db.open_store(demo_file)
    done = transfer.copy_to_postgres(source, empty_pg)
    target = db.open_store(empty_pg)
    assert db.migrate(target) == []  # the copy is at the current schema
    fresh = pg_cluster.fresh_name("fresh")
    try:
        migrated = db.open_store(pg_cluster.create(fresh))
        # the lookup indexes, dropped for the copy, are all built again afterwards, as the migrations made them
        assert index_definitions(target) == index_definitions(migrated)
        assert "suggestions_open" in index_definitions(target)
    finally:
        db.close_store(pg_cluster.url(fresh))
        pg_cluster.drop(fresh)
    copied, original = everything(target), everything(source)
    copied_migrations, original_migrations = copied.pop("schema_migrations"), original.pop("schema_migrations")
    assert copied == original  # every other table, row for row
    assert set(original_migrations) <= set(copied_migrations)  # the source's own records, dates and all
    assert db.applied_migrations(target) == [name for name, _ in db.available_migrations(dialect="postgres")]
    assert done.tables == len(original) + 1
    assert done.rows == sum(len(rows) for rows in original.values()) + len(original_migrations) > 30_000  # the demo
    staff = people.find_by_email(target, "staff@demo.board")
    receipt = submit(target, staff, key="after-the-move", title="Raised after the move")
    with source.read() as con:
        assert receipt.id > con.scalar("SELECT max(id) FROM suggestions")  # sequences carried on


def test_copy_to_postgres_refuses_a_database_that_has_tables(demo_file, empty_pg):
    keep = db.PgStore(empty_pg)
    keep.write(lambda con: con.execute("CREATE TABLE precious (note VARCHAR); INSERT INTO precious VALUES ('mine')"))
    keep.close()
    with pytest.raises(transfer.CopyRefused, match="is not empty .*precious.*Nothing was copied"):
        transfer.copy_to_postgres(db.open_store(demo_file), empty_pg)
    assert table_names(empty_pg) == ["precious"]


def test_copy_to_postgres_is_all_or_nothing(demo_file, empty_pg):
    """A row the target refuses rolls back everything: here a submission key that differs from another only
    by a NUL (made before the store dropped NUL), so the two collide once NUL is dropped."""
    source = db.open_store(demo_file)
    source.write(lambda con: con.execute(
        "UPDATE suggestions SET submission_key = (SELECT submission_key FROM suggestions ORDER BY id LIMIT 1)"
        " || chr(0) WHERE id = (SELECT max(id) FROM suggestions)"))
    with pytest.raises(BoardError, match="rolled back"):
        transfer.copy_to_postgres(source, empty_pg)
    assert table_names(empty_pg) == []


@pytest.mark.parametrize("damage", ["changed", "lost"])
def test_a_row_that_arrives_changed_or_not_at_all_stops_the_copy(demo_file, empty_pg, monkeypatch, damage):
    """What COPY wrote is read back and hashed against what DuckDB gave: one title changed, or one row of the
    suggestions lost on the way, and nothing is committed."""
    copy_rows = db.PgConn.copy_rows

    def damaged(self, table, columns, rows, **kwargs):
        if table == "suggestions":
            title = columns.index("title")
            rows = [(*rows[0][:title], rows[0][title] + ".", *rows[0][title + 1:]), *rows[1:]] \
                if damage == "changed" else rows[1:]
        return copy_rows(self, table, columns, rows, **kwargs)

    monkeypatch.setattr(db.PgConn, "copy_rows", damaged)
    with pytest.raises(transfer.CopyRefused, match="The table suggestions did not arrive intact"):
        transfer.copy_to_postgres(db.open_store(demo_file), empty_pg)
    assert table_names(empty_pg) == []


def test_the_content_hash_sees_a_changed_missing_or_doubled_row():
    rows = [(1, "a", date(2026, 1, 1), [1, 2]), (2, "b", None, [])]

    def digest(rows):
        d = transfer._Digest()
        d.add_batch(rows, lists=(3,))
        return d.value()

    assert digest(rows) == digest(list(reversed(rows)))
    for changed in ([rows[0], (2, "c", None, [])], rows[:1], rows + rows[:1], [rows[0], (2, "b", None, [3])]):
        assert digest(changed) != digest(rows)


def test_command_line_copy_to_postgres(demo_file, empty_pg, capsys):
    assert cli.main(["copy-to-postgres", empty_pg]) == 0
    out = capsys.readouterr().out
    assert "content hash match" in out and "BOARD_DATABASE_URL" in out
    assert cli.main(["copy-to-postgres", empty_pg]) == 1  # the second time the target is not empty
    assert "is not empty" in capsys.readouterr().err


def test_command_line_copy_to_a_server_that_is_not_there(demo_file, capsys):
    assert cli.main(["copy-to-postgres", "postgresql://board@127.0.0.1:1/board"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot connect to the PostgreSQL database") and err.count("\n") == 1


def test_command_line_migrate_and_prepare_follow_board_database_url(empty_pg, monkeypatch, capsys):
    monkeypatch.setenv("BOARD_DATABASE_URL", empty_pg)
    assert cli.main(["migrate"]) == 0
    assert "postgresql://board@" in capsys.readouterr().out and table_names(empty_pg)
    assert cli.main(["prepare", "--port", "8599"]) == 0
    assert "Demo organisation ready" in capsys.readouterr().out
    assert people.find_by_email(db.open_store(empty_pg), "staff@demo.board") is not None
    assert cli.main(["backup"]) == 1
    assert "pg_dump" in capsys.readouterr().err
