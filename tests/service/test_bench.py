"""The dashboard benchmark (python -m bench dashboards) runs end to end on a tiny dataset and writes every figure
it promises; its DuckDB-to-SQLite translation keeps each query's meaning."""

from __future__ import annotations

import json
import sqlite3

import pytest

from bench import data, measure, sqlite
from bench.__main__ import main


def test_bench_at_a_tiny_scale_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["dashboards", "--scale", "0.002", "--out", str(out)]) == 0
    report = json.loads(out.read_text())

    for table in data.TABLES:
        assert table in report["dataset"]["rows"]
    assert report["dataset"]["rows"]["suggestions"] == 2_000
    assert report["dataset"]["rows"]["suggestion_events"] == 8_000  # topped up to the exact planned count
    rows = report["dataset"]["rows"]
    assert rows["pulse_responses"] == 10_000 and rows["pulse_participation"] == 0 and rows["pulse_turnout"] > 0
    assert report["dataset"]["duckdb_mb"] > 0 and report["dataset"]["sqlite_mb"] > 0

    assert set(report["queries"]) == {"leader", "regional_manager"}
    assert "newest" in report["queries"]["leader"] and "newest" not in report["queries"]["regional_manager"]
    for results in report["queries"].values():
        assert {"funnel", "response_times", "morale (team)", "participation", "minutes_overview"} <= set(results)
        for name, r in results.items():
            assert r["reports_ms"] > 0 and r["raw_ms"] > 0 and r["overhead"] > 0, name
            assert r["sqlite_ms"] is not None and r["sqlite_ratio"] is not None, (name, r["sqlite_note"])
            assert "differ" not in r["sqlite_note"], (name, r["sqlite_note"])  # SQLite answered the same rows
            assert r["statements"] >= 1
    assert "percentiles in Python" in report["queries"]["leader"]["team_ack_days"]["sqlite_note"]

    page = report["leader_dashboard"]
    assert page["total_ms"] > 0 and page["queries_ms"] > 0 and page["csv_ms"] > 0 and page["first_view_ms"] > 0
    assert 0 < page["shared_morale_ms"]  # every tab again, Morale read from the figures the first view read
    assert 0 < page["counted_morale_ms"] and 0 < page["first_view_counted_ms"]  # Morale counted from its cells
    assert page["figures"] == len(measure.CHARTS) == 13 and page["figures_ms"] > 0
    assert report["memory_mb"]["measuring_duckdb"] > 0 and report["memory_mb"]["generating"] > 0
    assert report["cpu_count"] >= 1
    assert set(report["targets"]) == {"leader_dashboard", "overhead", "sqlite", "memory"}
    assert all(isinstance(t["met"], bool) for t in report["targets"].values())
    printed = capsys.readouterr().out
    assert "whole leader dashboard" in printed and ("MET" in printed or "MISSED" in printed)


def test_translation_for_sqlite_keeps_the_query_and_moves_percentiles_to_python():
    sql, plan = sqlite.translate(
        "WITH s AS (SELECT s.id, s.created_at FROM suggestions s WHERE TRUE)"
        " SELECT date_trunc('month', s.created_at) AS month,"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(extract(epoch FROM f.done - s.created_at)"
        " AS DOUBLE PRECISION) / 86400) AS median_days,"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY CAST(extract(epoch FROM f.done - s.created_at)"
        " AS DOUBLE PRECISION) / 86400) AS p90_days"
        " FROM s JOIN f ON f.id = s.id GROUP BY 1 ORDER BY 1")
    assert "percentile" not in sql and "strftime('%Y-%m-01', s.created_at) AS month" in sql
    assert plan == ([("month", 0), ("median_days", 0, 0.5), ("p90_days", 0, 0.9)], 1)  # one value column, twice
    assert "((julianday(f.done) - julianday(s.created_at)) * 86400) / 86400 AS v0" in sql
    rows = [("2026-01-01", 1.0), ("2026-01-01", 3.0), ("2026-01-01", 2.0), ("2025-12-01", 5.0)]
    assert sqlite.finish_quantiles(rows, *plan) == [("2025-12-01", 5.0, 5.0), ("2026-01-01", 2.0, 2.8)]
    rolled, _ = sqlite.translate("SELECT a.x, a.y, count(*) AS n FROM a GROUP BY GROUPING SETS ((a.x, a.y), (a.x))")
    assert rolled == ("SELECT a.x, a.y, count(*) AS n FROM a GROUP BY a.x, a.y"
                      " UNION ALL SELECT a.x, NULL AS y, count(*) AS n FROM a GROUP BY a.x")


def test_translation_for_sqlite_counts_days_between_dates():
    sql, _ = sqlite.translate("SELECT CAST(? AS DATE) - CAST(s.created_at AS DATE) AS age FROM suggestions s")
    assert sql == ("SELECT CAST(julianday(date(?)) - julianday(date(s.created_at)) AS INTEGER) AS age"
                   " FROM suggestions s")
    assert sqlite3.connect(":memory:").execute(sql.replace(
        "suggestions s", "(SELECT '2026-01-01 23:00:00' AS created_at) s"), ("2026-01-05",)).fetchone() == (4,)


def test_translation_for_sqlite_truncates_dates_to_their_month():
    """Dates truncated as timestamps (a DATE's date_trunc is a timestamptz on PostgreSQL), with or without a
    cast back to DATE, are the first of their month on SQLite too, from a date or a date and time alike."""
    sql, plan = sqlite.translate(
        "SELECT date_trunc('month', CAST(m.meeting_date AS TIMESTAMP)) AS month, count(*) AS n FROM meetings m"
        " WHERE date_trunc('month', CAST(m.meeting_date AS TIMESTAMP)) = ? GROUP BY 1")
    assert plan is None and sql == (
        "SELECT strftime('%Y-%m-01', datetime(m.meeting_date)) AS month, count(*) AS n FROM meetings m"
        " WHERE strftime('%Y-%m-01', datetime(m.meeting_date)) = ? GROUP BY 1")
    cast, _ = sqlite.translate("SELECT CAST(date_trunc('month', CAST(a.due_date AS TIMESTAMP)) AS DATE) AS month,"
                              " CAST(a.closed_at AS DATE) AS closed_on FROM action_items a")
    assert cast == "SELECT strftime('%Y-%m-01', datetime(a.due_date)) AS month, date(a.closed_at) AS closed_on" \
                   " FROM action_items a"
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE meetings (meeting_date)")
    con.executemany("INSERT INTO meetings VALUES (?)", [("2026-03-07",), ("2026-03-31 23:59:59",), ("2026-04-01",)])
    assert con.execute(sql, ("2026-03-01",)).fetchall() == [("2026-03-01", 2)]


def test_translation_for_sqlite_counts_seconds_between_timestamps():
    sql, _ = sqlite.translate("SELECT CAST(extract(epoch FROM s.resolved_at - s.created_at) AS DOUBLE PRECISION)"
                              " / 86400 AS days FROM suggestions s")
    assert sql == "SELECT ((julianday(s.resolved_at) - julianday(s.created_at)) * 86400) / 86400 AS days" \
                  " FROM suggestions s"
    days = sqlite3.connect(":memory:").execute(sql.replace(
        "suggestions s", "(SELECT '2026-01-01 12:00:00' AS created_at, '2026-01-03 00:00:00' AS resolved_at) s"))
    assert abs(days.fetchone()[0] - 1.5) < 1e-6


def test_translation_for_sqlite_refuses_what_it_does_not_know():
    for sql in ("SELECT quantile_cont(x, 0.5) AS q FROM t", "SELECT epoch(a - b) AS s FROM t",
                "SELECT date_trunc('month', CAST(a + 1 AS TIMESTAMP)) AS m FROM t"):
        with pytest.raises(sqlite.Untranslated):
            sqlite.translate(sql)


def test_bench_on_postgres_at_a_tiny_scale_prints_both_backends_side_by_side(tmp_path, capsys, pg_cluster):
    name = pg_cluster.fresh_name("bench")
    url = pg_cluster.create(name)
    out = tmp_path / "bench_postgres.json"
    again = tmp_path / "again.json"
    try:
        assert main(["dashboards", "--scale", "0.002", "--out", str(out), "--backend", "postgres", url]) == 0
        printed = capsys.readouterr().out
        # the same dataset there already: measured again without a second copy; other data there: refused
        assert main(["dashboards", "--scale", "0.002", "--out", str(again), "--backend", "postgres", url]) == 0
        printed_again = capsys.readouterr().out
        assert "holds this dataset already" in printed_again and "copy-to-postgres: not run" in printed_again
        assert main(["dashboards", "--scale", "0.003", "--backend", "postgres", url]) == 1
        assert "holds other data than this dataset" in capsys.readouterr().err
    finally:
        pg_cluster.drop(name)
    assert json.loads(again.read_text())["copy"]["seconds"] is None
    report = json.loads(out.read_text())
    assert report["backend"] == "postgres"
    assert report["copy"]["rows"] >= sum(report["dataset"]["rows"].values())  # every generated row (and settings)
    for role in ("leader", "regional_manager"):
        assert set(report["queries"][role]) >= {"funnel", "morale (region)", "participation", "data_version"}
        for r in report["queries"][role].values():
            assert r["duckdb_ms"] > 0 and r["postgres_ms"] > 0 and r["postgres_raw_ms"] > 0
    assert {"duckdb", "postgres"} == set(report["leader_dashboard"])
    assert "whole leader dashboard on postgres" in printed and "PG/DuckDB" in printed
    assert ("MET" if report["target"]["met"] else "MISSED") in printed


def test_bench_on_postgres_needs_a_url(capsys, monkeypatch):
    monkeypatch.delenv("BOARD_DATABASE_URL", raising=False)
    assert main(["dashboards", "--backend", "postgres"]) == 2  # a usage error, as argparse's own
    err = capsys.readouterr().err
    assert "needs the URL of an empty PostgreSQL database" in err and len(err.strip().splitlines()) == 1


def test_bench_refuses_bad_arguments_in_one_line_before_generating_anything(tmp_path, capsys):
    assert main(["dashboards", "postgresql://board@localhost:5432/bench"]) == 2  # a URL without --backend postgres
    assert main(["dashboards", "--out", str(tmp_path)]) == 2  # a folder for the JSON file
    for bad in (["dashboards", "--scale", "0"], ["suggestions", "--rows", "-5"], ["suggestions", "--repeat", "x"]):
        with pytest.raises(SystemExit) as exit_:
            main(bad)
        assert exit_.value.code == 2, bad
    err = capsys.readouterr().err
    assert "for --backend postgres only" in err and "is a folder" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
