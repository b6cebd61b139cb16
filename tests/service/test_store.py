"""The store: migrations, transactions under concurrency, and clear errors for busy or foreign files."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from board import store as db
from tests.support.paths import REPO

ROOT = REPO


def tables(store: db.Database) -> set[str]:
    with store.read() as con:
        return {r["table_name"] for r in con.rows("SELECT table_name FROM information_schema.tables")}


def test_fresh_database_gets_every_migration(store):
    names = [name for name, _ in db.available_migrations(dialect=store.dialect)]
    assert db.applied_migrations(store) == names
    assert {"regions", "offices", "teams", "people", "accounts", "sessions", "settings"} <= tables(store)


def test_reapplying_migrations_is_a_no_op(store):
    assert db.migrate(store) == []
    with store.read() as con:
        assert con.scalar("SELECT count(*) FROM schema_migrations") == len(
            db.available_migrations(dialect=store.dialect))


def test_failing_migration_rolls_back_and_stays_pending(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_good.sql").write_text("CREATE TABLE good (id INTEGER);")
    (folder / "0002_bad.sql").write_text("CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);")
    store = db.DuckStore(tmp_path / "m.duckdb")
    with pytest.raises(db.MigrationFailed, match="0002_bad.sql"):
        db.migrate(store, folder)
    assert db.applied_migrations(store) == ["0001_good.sql"]
    assert "half" not in tables(store) and "good" in tables(store)
    (folder / "0002_bad.sql").write_text("CREATE TABLE half (id INTEGER);")
    assert db.migrate(store, folder) == ["0002_bad.sql"]
    store.close()


def test_database_from_newer_code_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    store = db.DuckStore(path)
    db.migrate(store)
    store.write(lambda con: con.execute("INSERT INTO schema_migrations (name) VALUES ('9999_future.sql')"))
    with pytest.raises(db.SchemaTooNew, match="newer Frontline Board"):
        db.migrate(store)
    store.close()


def test_unreadable_file_gets_a_clear_error(tmp_path):
    path = tmp_path / "junk.duckdb"
    path.write_bytes(b"this is not a database" * 1000)
    with pytest.raises(db.DatabaseUnreadable, match="cannot be opened"):
        db.open_store(path)
    assert path.read_bytes() == b"this is not a database" * 1000


def test_a_new_file_appears_whole_and_a_killed_starts_draft_is_replaced(tmp_path):
    """A new database is written beside its path and moved into place, so a start killed while DuckDB writes
    the file's headers leaves a draft (replaced by the next start), never a file that cannot be opened."""
    path = tmp_path / "board.duckdb"
    draft = tmp_path / "board.duckdb.new"
    draft.write_bytes(b"\0" * 100)  # what a start killed mid-header leaves
    store = db.open_store(path)
    try:
        assert tables(store) >= {"suggestions", "schema_migrations"}
    finally:
        db.close_store(path)
    assert not draft.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["board.duckdb"]


def test_failed_transaction_writes_nothing(store):
    def half(con):
        con.execute("INSERT INTO regions (name) VALUES ('Half')")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        store.write(half)
    with store.read() as con:
        assert con.scalar("SELECT count(*) FROM regions") == 0


def _hammer(store: db.Database, threads: int, per_thread: int, lock: bool) -> tuple[set, int, int]:
    """Threads insert unique rows and update one hot row; returns the acknowledged writes."""
    inserted, updates, failures, guard = set(), [0], [0], threading.Lock()

    def worker(t: int) -> None:
        for i in range(per_thread):
            store.write(lambda con, i=i: con.execute("INSERT INTO events VALUES (?, ?)", (t, i)))
            with guard:
                inserted.add((t, i))
            try:
                store.write(lambda con: con.execute("UPDATE counter SET n = n + 1 WHERE id = 1"),
                            lock=("counter", 1) if lock else None)
                with guard:
                    updates[0] += 1
            except db.WriteConflict:
                with guard:
                    failures[0] += 1

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return inserted, updates[0], failures[0]


@pytest.mark.slow
@pytest.mark.parametrize("lock", [True, False], ids=["serialised", "retry-only"])
def test_concurrent_writes_are_each_present_exactly_once(store, lock):
    store.write(lambda con: con.execute(
        "CREATE TABLE events (t INTEGER, i INTEGER); CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER);"
        " INSERT INTO counter VALUES (1, 0);"))
    inserted, updates, failures = _hammer(store, threads=24, per_thread=25, lock=lock)
    with store.read() as con:
        rows = con.rows("SELECT t, i, count(*) AS n FROM events GROUP BY t, i")
        counter = con.scalar("SELECT n FROM counter WHERE id = 1")
    assert {(r["t"], r["i"]) for r in rows} == inserted and all(r["n"] == 1 for r in rows)
    assert len(inserted) == 24 * 25
    assert counter == updates  # every acknowledged update counted once, none lost
    if lock:
        assert failures == 0 and updates == 24 * 25


@pytest.mark.slow
def test_command_line_write_on_a_busy_database_says_what_to_do(tmp_path):
    path = tmp_path / "busy.duckdb"
    env = {**os.environ, "BOARD_DB": str(path), "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", "from board import store; store.open_store(); print('ready', flush=True); input()"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        for command in (["migrate"], ["import-roster", str(ROOT / "data" / "sample_roster.csv")]):
            result = subprocess.run([sys.executable, "-m", "board", *command], env=env, capture_output=True,
                                    text=True, timeout=60)
            assert result.returncode == 1
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in result.stderr
            assert f"PID {holder.pid}" in lines[0] and "stop it" in lines[0]
    finally:
        holder.communicate("", timeout=10)


def _newer_schema(path: Path) -> None:
    store = db.DuckStore(path)
    db.migrate(store)
    store.write(lambda con: con.execute("INSERT INTO schema_migrations (name) VALUES ('9999_future.sql')"))
    store.close()


def _junk(path: Path) -> None:
    path.write_bytes(b"this is not a database" * 1000)


@pytest.mark.slow
@pytest.mark.parametrize("make, message", [(_newer_schema, "updated by a newer Frontline Board"),
                                           (_junk, "cannot be opened")])
def test_start_up_on_a_bad_file_explains_in_one_line_and_changes_nothing(tmp_path, monkeypatch, make, message):
    from tests.support.pages import signed_out

    path = tmp_path / "board.duckdb"
    make(path)
    before = path.read_bytes()
    env = {**os.environ, "BOARD_DB": str(path), "PYTHONPATH": str(ROOT)}
    prepare = subprocess.run([sys.executable, "-m", "board", "prepare"], env=env, capture_output=True, text=True,
                             timeout=120, cwd=ROOT)
    assert prepare.returncode != 0 and message in prepare.stderr and "Traceback" not in prepare.stderr
    assert len(prepare.stderr.strip().splitlines()) == 1
    monkeypatch.setenv("BOARD_DB", str(path))
    at = signed_out()
    assert not at.exception and any(message in e.value for e in at.error)
    db.close_store(path)
    assert path.read_bytes() == before
