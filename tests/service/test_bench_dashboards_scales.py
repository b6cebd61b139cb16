"""The dashboards' growth curve (python -m bench dashboards --scales) runs end to end at tiny scales: it builds each
scale's dataset once into its cache and reuses it after, removes what no run can reuse, writes the curve and
says where SQLite is left out; and the generator's statements cut into chunks build the very same dataset."""

from __future__ import annotations

import json
import time

import pytest

from bench import dashboards, data
from bench.__main__ import main
from board import store as db

STEPS = {"organisation and people", "suggestions", "suggestion events", "pulse", "minutes"}


@pytest.mark.slow
def test_scales_build_each_dataset_once_and_write_the_curve(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "CACHE", tmp_path / "cache")
    stale = tmp_path / "cache" / "scale-0.002-000000000000"  # another generator's dataset
    interrupted = tmp_path / "cache" / f"scale-0.004-{data.generator_hash()}.partial"
    for folder in (stale, interrupted):
        folder.mkdir(parents=True)
        (folder / "bench.duckdb").write_bytes(b"old")
    out = tmp_path / "scale.json"

    assert main(["dashboards", "--scales", "0.004,0.002", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    printed = capsys.readouterr().out

    assert report["scales"] == [0.002, 0.004] and report["generator"] == data.generator_hash()
    assert not stale.exists() and not interrupted.exists()
    assert "removed the cached dataset scale-0.002-000000000000" in printed
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        ".gitignore", f"scale-0.002-{data.generator_hash()}", f"scale-0.004-{data.generator_hash()}"]
    first, second = report["curve"]
    assert (first["scale"], second["scale"]) == (0.002, 0.004)
    assert first["suggestions"] == 2_000 and second["suggestions"] == 4_000 and second["people"] > first["people"]
    for point in report["curve"]:
        assert point["leader_dashboard_ms"] > 0 and point["queries_ms"] > 0 and point["runs"] >= 1
        assert 0 < point["first_view_ms"]  # the Morale tab alone
        assert 0 < point["shared_morale_ms"]  # every tab, Morale counted before
        assert 0 < point["counted_morale_ms"]  # every tab, Morale counted anew from its cells
    assert first["ratio"] == 1 and first["data_ratio"] == 1 and first["exponent"] is None
    assert second["data_ratio"] == 2 and second["ratio"] > 0 and isinstance(second["exponent"], float)
    for scale, built in report["datasets"].items():
        assert built["cached"] is False and built["duckdb_mb"] > 0 and built["peak_mb"] > 0, scale
        assert STEPS <= set(built["seconds"]) and set(built["seconds"]) == set(built["peak_mb_after"])
        assert built["settings"] == data.GENERATING
    assert "sqlite copy" in report["datasets"]["0.004"]["seconds"]  # the largest, at 1x or below: compared
    assert report["memory_mb"]["measuring"] > 0 and set(report["memory_mb"]["generating"]) == {"0.002", "0.004"}
    largest = report["largest"]
    assert largest["scale"] == 0.004 and set(largest["queries"]) == {"leader", "regional_manager"}
    for results in largest["queries"].values():
        for name, r in results.items():
            assert r["reports_ms"] > 0 and r["raw_ms"] > 0 and r["statements"] >= 1, name
            assert r["sqlite_note"] != dashboards.SQLITE_SKIPPED, name
    assert {"leader_dashboard", "growth", "memory_generating", "memory_measuring", "overhead", "sqlite"} \
        <= set(report["targets"])
    assert all(isinstance(t["met"], bool) for t in report["targets"].values())
    assert "whole leader dashboard by scale" in printed and "0.004x" in printed and "built now" in printed

    # Again, as if the largest were above 1x: both datasets come from the cache, SQLite is left out and said so.
    monkeypatch.setattr(dashboards, "SQLITE_UP_TO", 0.003)
    assert main(["dashboards", "--scales", "0.002,0.004", "--out", str(out)]) == 0
    again = json.loads(out.read_text())
    printed = capsys.readouterr().out
    assert all(built["cached"] for built in again["datasets"].values())
    assert "reusing" in printed and "generating at scale" not in printed
    assert again["datasets"]["0.004"]["built"] == report["datasets"]["0.004"]["built"]
    notes = {r["sqlite_note"] for results in again["largest"]["queries"].values() for r in results.values()}
    assert notes == {dashboards.SQLITE_SKIPPED} and "sqlite" not in again["targets"]
    assert dashboards.SQLITE_SKIPPED in printed


def test_scales_refuse_bad_arguments_in_one_line(capsys):
    for bad in (["dashboards", "--scales", "0,1"], ["dashboards", "--scales", "1,x"], ["dashboards", "--scales", ""]):
        with pytest.raises(SystemExit) as exit_:
            main(bad)
        assert exit_.value.code == 2, bad
    assert main(["dashboards", "--scales", "1,3", "--quick"]) == 1  # before anything is built
    assert main(["dashboards", "--scales", "1,3", "--backend", "postgres", "postgresql://b@localhost/bench"]) == 1
    err = capsys.readouterr().err
    assert "must be above zero: '0'" in err and "not a number: 'x'" in err and "Traceback" not in err
    assert err.count("--scales measures DuckDB at the scales it names") == 2


def test_the_generator_hash_names_the_migrations(monkeypatch):
    now = data.generator_hash()
    assert len(now) == 12 and now == data.generator_hash()
    monkeypatch.setattr(data, "available_migrations", lambda: [("9999_new.sql", "CREATE TABLE t (x INTEGER);")])
    assert data.generator_hash() != now


def digests(path) -> dict:
    """Count and order-free hash of every generated table but those whose rows carry the wall clock."""
    store = db.open_store(path)
    try:
        with store.read() as con:
            return {t: con.one(f"SELECT count(*) AS n, sum(hash(x)) AS h FROM {t} x") for t in data.TABLES
                    if t not in ("regions", "offices", "teams", "people")}  # created_at: the time of the run
    finally:
        db.close_store(path)


@pytest.mark.slow
def test_statements_cut_into_chunks_build_the_same_dataset(tmp_path):
    found = []
    for name, chunk in (("whole", data.CHUNK_ROWS), ("chunked", 300)):
        path = tmp_path / f"{name}.duckdb"
        data.generate(db.open_store(path), data.sizes(0.002), time.perf_counter(), chunk_rows=chunk)
        db.close_store(path)
        found.append(digests(path))
    assert found[0] == found[1]
    assert found[0]["suggestion_events"]["n"] == 8_000 and found[0]["pulse_responses"]["n"] == 10_000
