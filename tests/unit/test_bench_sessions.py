"""The session benchmark (python -m bench sessions): against a real app server at a tiny size, its sessions sign in
over the websocket, click through every role's pages without an error from the app and the JSON holds every figure
it promises; the rules that turn samples and page views into figures hold; bad arguments are refused clearly."""

from __future__ import annotations

import asyncio
import json

import pytest

from bench import sessions_report, sessions_server
from bench.__main__ import main
from bench.sessions_client import Session, SessionError
from bench.sessions_mix import CLICKS, roles_needed
from bench.sessions_report import Record

ROLES = {"staff", "manager", "regional_manager", "leader"}


@pytest.mark.slow  # starts an app server and a sampling profiler: under a minute
def test_sessions_against_a_real_server_write_every_figure_without_an_error(tmp_path, capsys):
    out = tmp_path / "sessions.json"
    assert main(["sessions", "--steps", "2,4", "--hold", "4", "--think", "0.2", "0.5", "--out", str(out)]) == 0
    report = json.loads(out.read_text())

    assert report["errors"] == 0 and report["failures"] == [], report.get("server_log_tail")
    assert [s["sessions"] for s in report["steps"]] == [2, 4]
    for step in report["steps"]:
        assert step["errors"] == 0 and step["error_messages"] == {}
        assert step["views"] > 0 and 0 < step["p50_ms"] <= step["p95_ms"] <= step["max_ms"]
        assert step["rss_mb"] > 0 and step["server_cpu_cores"] > 0 and step["per_active_session_mb"] is not None
        assert set(step["roles"]) <= ROLES and step["views_per_s"] > 0
        assert set(step["pages"]) <= {*(p for pages in CLICKS.values() for p in pages), "raise: continue",
                                      "raise: submit"}
        assert step["profile"]["samples"] > 0 and abs(sum(step["profile"]["shares"].values()) - 1) < 0.01
    assert set(report["roles_at_largest_step"]) == ROLES  # four sessions: one of each role
    memory = report["memory_mb"]
    assert 0 < memory["idle_before_sessions"] <= memory["after_warm_up"]
    assert memory["idle_sessions"] == 2 and "per_idle_session" in memory and "per_active_session" in memory
    assert report["sign_in"]["count"] == 4 and report["sign_in"]["p50_ms"] > 0
    assert set(report["verdicts"]) == {"largest_step_p95_under_1s", "largest_step_p95_under_2s",
                                       "200_sessions_p95_under_2s", "target_judged_at_step"}
    assert report["verdicts"]["200_sessions_p95_under_2s"] is None  # no step of 200: not measured, not "missed"
    assert report["stopped"] is None
    printed = capsys.readouterr().out
    assert "Where the server's time goes" in printed and "NOT MEASURED" in printed


def test_the_mix_is_mostly_staff_with_every_role_in_a_handful():
    assert roles_needed(25) == {"staff": 19, "manager": 4, "regional_manager": 1, "leader": 1}
    assert set(roles_needed(4)) == ROLES
    assert roles_needed(200)["staff"] == 152


def test_a_sample_goes_to_its_innermost_named_category():
    script = "Thread.run (threading.py:982);ScriptRunner.run (streamlit/runtime/scriptrunner/script_runner.py:9)"
    query = f"{script};<module> (board/web/app_pages/triage.py:30);DuckConn.rows (board/store/duckdb.py:40)"
    figure = f"{script};charts.funnel (board/reporting/charts.py:12);Figure.update (plotly/basedatatypes.py:5)"
    sent = "BaseEventLoop._run_once (asyncio/base_events.py:1);WebSocket.send (starlette/websockets.py:92)"
    raw = [f"{query} 6", f"{figure} 2", f"{script};<module> (board/web/app_pages/home.py:3) 1", f"{sent} 1",
           "BaseEventLoop._run_once (asyncio/base_events.py:1);EpollSelector.select (selectors.py:468) 40"]
    found = sessions_server.shares(raw)
    assert found["samples"] == 10  # the event loop waiting in select is idle, not counted
    assert found["shares"] == {"database queries": 0.6, "Plotly figures": 0.2, sessions_server.RERUN: 0.1,
                               sessions_server.EVENT_LOOP: 0.1}
    assert found["rerun_by_package"] == {"board/web": 0.1}  # the rerun's sample was in a page's own code
    assert found["queries_by_caller"] == {"<module> (board/web/app_pages/triage.py)": 0.6}


def test_streamlits_collection_after_a_run_is_a_category_of_its_own_but_its_other_work_is_the_rerun():
    finished = ("Thread.run (threading.py:982);ScriptRunner._run_script_thread (streamlit/runtime/scriptrunner/"
                "script_runner.py:400);ScriptRunner._on_script_finished (streamlit/runtime/scriptrunner/"
                "script_runner.py:1055)")
    orphans = f"{finished};MediaFileManager.remove_orphaned_files (streamlit/runtime/media_file_manager.py:120)"
    found = sessions_server.shares([f"{finished} 3", f"{orphans} 1"])
    assert found["shares"] == {sessions_server.POST_RUN_GC: 0.75, sessions_server.RERUN: 0.25}


def test_a_closed_session_cannot_view_a_page():
    """At the end of a run a click may come after its websocket closed: that is the session ending, never a crash."""
    with pytest.raises(SessionError, match="closed"):
        asyncio.run(Session("127.0.0.1", 1).view("home"))


def test_a_page_view_in_error_is_counted_never_timed():
    records = [Record("home", "staff", 1.0, 0.2, []), Record("home", "staff", 2.0, 0.4, []),
               Record("home", "staff", 3.0, 9.0, ["exception KeyError: 'x'"])]
    assert sessions_report.summary(records) == {"views": 3, "errors": 1, "p50_ms": 200, "p95_ms": 400,
                                                "max_ms": 400}


def test_a_step_is_held_only_under_the_target_and_without_errors():
    steps = [{"sessions": 25, "errors": 0, "p95_ms": 800}, {"sessions": 50, "errors": 0, "p95_ms": 1500},
             {"sessions": 100, "errors": 1, "p95_ms": 900}, {"sessions": 200, "errors": 0, "p95_ms": 1900}]
    assert sessions_report.verdicts(steps) == {"largest_step_p95_under_1s": 25, "largest_step_p95_under_2s": 200,
                                               "200_sessions_p95_under_2s": True, "target_judged_at_step": 200}


def test_the_target_of_200_is_judged_from_a_smaller_step_that_missed_it_when_the_ramp_stopped_before():
    steps = [{"sessions": 25, "errors": 0, "p95_ms": 800}, {"sessions": 100, "errors": 0, "p95_ms": 12_000}]
    found = sessions_report.verdicts(steps)
    assert found["200_sessions_p95_under_2s"] is False and found["target_judged_at_step"] == 100
    assert sessions_report.verdicts(steps[:1])["200_sessions_p95_under_2s"] is None


@pytest.mark.parametrize(("argv", "message"), [
    (["--steps", "50,25"], "rising"),
    (["--steps", "ten"], "whole numbers"),
    (["--think", "-1", "2"], "zero or more"),
])
def test_malformed_arguments_are_refused_by_the_parser(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["sessions", *argv])
    assert exited.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--think", "5", "2"], "the shortest think time comes first"),
    (["--db", "no/such/board.duckdb"], "is not a database file"),
])
def test_arguments_that_cannot_work_are_refused_before_a_server_starts(argv, message, capsys):
    assert main(["sessions", *argv]) == 2
    assert message in capsys.readouterr().err
