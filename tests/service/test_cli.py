"""The command line, run as a person would: python -m board ..."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from board import store as db
from board.org import accounts, people
from tests.support.paths import REPO

pytestmark = pytest.mark.slow  # each runs python -m board in a subprocess

ROOT = REPO


def board(*args: str, db_path: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "BOARD_DB": str(db_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "board", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def test_prepare_seeds_the_demo_once_and_says_how_to_sign_in(tmp_path):
    path = tmp_path / "board.duckdb"
    first = board("prepare", db_path=path)
    assert first.returncode == 0, first.stderr
    assert "creating the demo organisation" in first.stdout and "staff@demo.board" in first.stdout
    assert "http://localhost:8501" in first.stdout
    second = board("prepare", db_path=path)
    assert "creating" not in second.stdout and "password 'demo'" in second.stdout


def test_migrate_then_imports_then_set_password(tmp_path):
    path = tmp_path / "board.duckdb"
    assert f"applied {len(db.available_migrations())} migration" in board("migrate", db_path=path).stdout
    assert "up to date" in board("migrate", db_path=path).stdout
    assert "5 team(s) added" in board("import-org", str(ROOT / "data/sample_org.csv"), db_path=path).stdout
    dry = board("import-roster", "--dry-run", str(ROOT / "data/sample_roster.csv"), db_path=path)
    assert "Dry run, nothing written: 13 new" in dry.stdout
    assert "13 new" in board("import-roster", str(ROOT / "data/sample_roster.csv"), db_path=path).stdout
    result = board("set-password", "ana.costa@example.com", db_path=path, stdin="a long secret!\na long secret!\n")
    assert result.returncode == 0 and "Password set" in result.stdout
    assert "a long secret" not in result.stdout + result.stderr
    store = db.open_store(path)
    try:
        assert accounts.sign_in(store, "ana.costa@example.com", "a long secret!").name == "Ana Costa"
    finally:
        db.close_store(path)


def test_bad_roster_lists_rows_and_writes_nothing(tmp_path):
    path = tmp_path / "board.duckdb"
    board("import-org", str(ROOT / "data/sample_org.csv"), db_path=path)
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,role,region,office,team,manages\nx@y.com,X,staff,Europe,Dublin,Onboarding,\n"
                   "z@y.com,Z,wizard,Europe,Dublin,Onboarding,\n")
    result = board("import-roster", str(bad), db_path=path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "row 3: unknown role 'wizard'" in result.stderr and "nothing was imported" in result.stderr
    store = db.open_store(path)
    try:
        assert people.find_by_email(store, "x@y.com") is None
    finally:
        db.close_store(path)


def test_set_password_refuses_mismatch_and_unknown_email(tmp_path):
    path = tmp_path / "board.duckdb"
    board("prepare", db_path=path)
    assert "no one in the roster" in board("set-password", "ghost@x.com", db_path=path).stderr
    mismatch = board("set-password", "staff@demo.board", db_path=path, stdin="one long secret\nanother secret\n")
    assert mismatch.returncode == 1 and "differ" in mismatch.stderr
    short = board("set-password", "staff@demo.board", db_path=path, stdin="short\nshort\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr


def test_missing_file_is_one_line(tmp_path):
    result = board("import-roster", str(tmp_path / "nope.csv"), db_path=tmp_path / "b.duckdb")
    assert result.returncode == 1 and "Traceback" not in result.stderr and "nope.csv" in result.stderr


def test_close_periods_closes_what_has_ended_once_and_says_so(tmp_path):
    path = tmp_path / "board.duckdb"
    store = db.open_store(path)
    store.write(lambda con: con.execute(
        "INSERT INTO pulse_periods (starts_on, ends_on) VALUES (DATE '2020-01-06', DATE '2020-01-20')"))
    db.close_store(path)
    first = board("close-periods", db_path=path)
    assert first.returncode == 0, first.stderr
    assert "1 pulse period(s) closed, 0 anonymous item(s) passed on" in first.stdout
    second = board("close-periods", db_path=path)
    assert "0 pulse period(s) closed" in second.stdout
    store = db.open_store(path)
    with store.read() as con:
        assert con.scalar("SELECT count(*) FROM pulse_periods WHERE closed_at IS NOT NULL") == 1


def test_deactivating_most_people_stops_until_confirmed(tmp_path):
    path = tmp_path / "board.duckdb"
    board("import-org", str(ROOT / "data/sample_org.csv"), db_path=path)
    board("import-roster", str(ROOT / "data/sample_roster.csv"), db_path=path)
    few = tmp_path / "few.csv"
    few.write_text("email,name,role,region,office,team,manages\nana.costa@example.com,Ana Costa,admin,Europe,Dublin,"
                   "Onboarding,\n")
    dry = board("import-roster", "--dry-run", "--deactivate-missing", str(few), db_path=path)
    assert "needs --confirm-deactivations" in dry.stdout
    refused = board("import-roster", "--deactivate-missing", str(few), db_path=path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "would deactivate 12 of the 13 active people (92%)" in refused.stderr
    assert "Nothing was imported" in refused.stderr and "--confirm-deactivations" in refused.stderr
    store = db.open_store(path)
    try:
        assert people.find_by_email(store, "li.wei@example.com").active
    finally:
        db.close_store(path)
    done = board("import-roster", "--deactivate-missing", "--confirm-deactivations", str(few), db_path=path)
    assert done.returncode == 0 and "12 to deactivate" in done.stdout
    store = db.open_store(path)
    try:
        assert not people.find_by_email(store, "li.wei@example.com").active
    finally:
        db.close_store(path)
