"""The cold-start benchmark (python -m bench coldstart) runs what `make run` runs, refuses bad arguments with a
clear message, reads -X importtime right, and writes every figure it promises (shape only: no timing is asserted)."""

from __future__ import annotations

import json
import shlex

import pytest

from bench import coldstart

IMPORTTIME = """import time: self [us] | cumulative | imported package
import time:       100 |        100 |     _io
import time:      2000 |       2100 |   encodings
import time:       500 |       3000 | site
import time:     30000 |      30000 |     argon2
import time:    170000 |     200000 |   board.org.accounts
import time:      1000 |     201000 | board.cli
"""


def test_the_commands_are_make_runs_own_preparation_then_the_server():
    *preparing, serving = coldstart.make_run_commands(coldstart.REPO, 8765)
    assert preparing and all("board" in command and "prepare" in command for command in preparing)
    assert shlex.join(serving[1:5]) == "-m streamlit run board/web/server.py"
    assert serving[serving.index("--server.port") + 1] == "8765"
    assert serving[serving.index("--server.address") + 1] == "127.0.0.1"


def test_an_import_profile_sums_the_outermost_imports_and_names_the_heaviest():
    profile = coldstart.import_profile(IMPORTTIME, top=2)
    assert profile["modules"] == 6 and profile["total_ms"] == 204.0  # site 3 ms + board.cli 201 ms
    assert profile["heaviest"] == [{"module": "board.cli", "ms": 201.0}, {"module": "site", "ms": 3.0}]
    assert profile["heaviest_own"] == [{"module": "board.org.accounts", "ms": 170.0},
                                       {"module": "argon2", "ms": 30.0}]


def test_a_bad_number_of_runs_is_refused_with_a_clear_message(capsys):
    with pytest.raises(SystemExit) as stopped:
        coldstart.main(["--runs", "two"])
    assert stopped.value.code == 2 and "invalid int value: 'two'" in capsys.readouterr().err
    assert coldstart.main(["--runs", "0"]) == 2
    assert "--runs must be at least 1, not 0" in capsys.readouterr().err


def test_python_m_bench_coldstart_is_the_same_command(capsys):
    from bench.__main__ import main

    with pytest.raises(SystemExit) as stopped:
        main(["coldstart", "--runs", "two"])
    assert stopped.value.code == 2 and "invalid int value: 'two'" in capsys.readouterr().err
    assert main(["coldstart", "--runs", "0"]) == 2
    assert "--runs must be at least 1, not 0" in capsys.readouterr().err


def test_a_folder_as_out_or_a_compare_that_is_no_checkout_is_refused_before_anything_starts(tmp_path, capsys):
    assert coldstart.main(["--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert coldstart.main(["--out", str(tmp_path / "x.json"), "--compare", str(tmp_path)]) == 2
    assert "is not a checkout of Frontline Board" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.slow
@pytest.mark.browser
def test_one_start_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "coldstart.json"
    assert coldstart.main(["--runs", "1", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["runs"] == 1 and report["cpu_count"] >= 1
    assert set(report["load_average"]) == {"before", "after"}
    assert set(report["targets"]) == set(coldstart.TARGETS_S)
    assert all(isinstance(target["met"], bool) and target["median_s"] > 0 for target in report["targets"].values())
    [project] = report["projects"]
    assert project["project"] == str(coldstart.REPO) and project["seed_s"] > 0
    assert "streamlit run board/web/server.py" in project["commands"][-1]
    [start] = project["runs"]
    assert set(start) == set(coldstart.METRICS) and all(value > 0 for value in start.values())
    assert start["health_s"] > start["prepare_s"] and start["server_health_s"] >= start["listen_s"]
    assert set(project["summary"]) == set(coldstart.METRICS)
    assert set(project["imports"]) == {"prepare", "server_until_health", "first_page"}
    for phase in project["imports"].values():
        assert phase["modules"] > 0 and phase["total_ms"] > 0 and phase["heaviest"] and phase["heaviest_own"]
    printed = capsys.readouterr().out
    assert "make run -> health 200" in printed and ("MET" in printed or "MISSED" in printed)
