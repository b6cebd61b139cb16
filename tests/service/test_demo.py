"""The demo organisation: the promised shape, deterministic, known people in the right places."""

from __future__ import annotations

import pytest

from board import demo
from board import store as db
from board.errors import Invalid
from board.org import accounts, people, settings
from tests.conftest import DEMO_DAY
from tests.support.paths import REPO


def snapshot(store) -> list[dict]:
    with store.read() as con:
        return con.rows("SELECT email, name, role, team_id, active, created_at FROM people ORDER BY email")


def test_demo_has_the_promised_organisation(demo_store):
    counts = people.counts(demo_store)
    assert (counts["regions"], counts["offices"], counts["teams"]) == (3, 8, 24)
    assert 280 <= counts["active_people"] + counts["inactive_people"] <= 320
    assert counts["inactive_people"] > 0  # leavers are kept, inactive
    assert all(u["managers"] >= 1 for u in people.units(demo_store))
    assert settings.load(demo_store).demo


@pytest.mark.slow
def test_demo_is_deterministic(demo_store, tmp_path):
    other = db.open_store(tmp_path / "again.duckdb")
    demo.seed(other, today=DEMO_DAY)
    assert snapshot(other) == snapshot(demo_store)
    db.close_store(tmp_path / "again.duckdb")


def test_demo_history_spans_eighteen_months(demo_store):
    with demo_store.read() as con:
        first, last = con.one("SELECT min(created_at) AS a, max(created_at) AS b FROM people").values()
        imports = con.scalar("SELECT count(*) FROM audit_log WHERE action = 'roster imported'")
    assert (last - first).days >= 30 * 16 and imports >= demo.MONTHS


@pytest.mark.slow
def test_known_people_fit_together_and_sign_in_with_demo(demo_store, known):
    staff, manager, regional = known["staff"], known["manager"], known["regional_manager"]
    assert manager.team_id == staff.team_id and manager.role == "manager"
    assert regional.region_id == staff.region_id and regional.role == "regional_manager"
    assert (known["leader"].role, known["admin"].role) == ("leader", "admin")
    for role, (email, _) in demo.KNOWN.items():
        assert accounts.sign_in(demo_store, email, demo.PASSWORD).role == role


def test_ending_demo_mode_removes_demo_passwords(demo_store, known):
    with pytest.raises(Invalid, match="Please correct"):
        demo.end_demo(demo_store, known["admin"])  # the demo admin would lock everyone out
    real = next(p for p in people.list_people(demo_store, known["admin"]) if p["email"].endswith("@example.com"))
    demo_store.write(lambda con: con.execute("UPDATE people SET role = 'admin' WHERE id = ?", (real["id"],)))
    demo.end_demo(demo_store, people.get_person(demo_store, real["id"]))
    assert not demo.is_demo(demo_store)
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(demo_store, "leader@demo.board", demo.PASSWORD)


def test_demo_suggestions_give_every_role_something_real(demo_store, known):
    from board.feedback import inbox, triage
    from board.feedback import suggestions as sg

    with demo_store.read() as con:
        stats = con.one(
            "SELECT count(*) AS total, count(*) FILTER (WHERE anonymous) AS anonymous,"
            " count(*) FILTER (WHERE level IN ('region', 'leadership')) AS escalated,"
            " count(DISTINCT office_id) AS offices, count(DISTINCT status) AS statuses FROM suggestions")
        mismatched = con.scalar(
            "SELECT count(*) FROM suggestions s WHERE status <> (SELECT to_value FROM suggestion_events e"
            " WHERE e.suggestion_id = s.id AND e.kind IN ('submitted', 'status') ORDER BY e.id DESC LIMIT 1)")
        identified = con.scalar("SELECT count(*) FROM suggestions WHERE anonymous AND author_id IS NOT NULL")
    assert stats["total"] > 500 and stats["offices"] == 8 and stats["statuses"] == 7
    assert stats["anonymous"] > 50 and stats["escalated"] > 20
    assert mismatched == 0 and identified == 0
    assert len(sg.mine(demo_store, known["staff"])) >= 5 and inbox.unread_count(demo_store, known["staff"]) > 0
    for role in ("manager", "regional_manager", "leader"):
        rows = triage.queue(demo_store, known[role], today=DEMO_DAY, sla_days=5)
        assert rows and any(r["overdue"] for r in rows), role


@pytest.mark.slow
def test_demo_is_the_same_under_any_hash_seed(tmp_path):
    import os
    import subprocess
    import sys

    script = "\n".join([
        "import sys", "from datetime import date", "from board import demo, store as db",
        "store = db.open_store(sys.argv[1])", "demo.seed(store, today=date(2026, 11, 1))",
        "with store.read() as con:",
        "    print(con.rows('SELECT email, name, role, team_id FROM people ORDER BY id'))"])
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        result = subprocess.run([sys.executable, "-c", script, str(tmp_path / f"{seed}.duckdb")], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
