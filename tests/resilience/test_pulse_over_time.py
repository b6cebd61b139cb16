"""Pulse anonymity over time and at rest: results of a period appear only when it closes, all at once; after
close nothing stored holds a cell below k or says who answered; while open, the database alone cannot list who
answered. Attacks as a curious manager (reload and subtract), a regional manager (a suppressed team inside an
office figure) and a database reader (raw tables and files) would make them."""

from __future__ import annotations

import csv
import io
import os
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from board import store as db
from board.feedback import suggestions as sg
from board.morale import pulse
from board.org import people, roster, settings
from board.org.access import MANAGERS_UP
from board.reporting import dashboard, reports
from board.reporting.reports import MORALE_LEVELS
from tests.support.pages import frame, open_page
from tests.support.pulse import good, team_members

LENGTH = 14
DAY = date(2026, 11, 18)
END = pulse.period_bounds(DAY, LENGTH)[1]  # the first day after DAY's period
EVERYTHING = dashboard.Filters(start=date(2026, 1, 1), end=date(2027, 6, 1))


def answer(store, person, day=DAY, **changes) -> None:
    pulse.submit(store, person, good(**changes), today=day, length_days=LENGTH)


def figures_of(store, viewer, level, k=5) -> dict:
    """What the viewer's dashboard shows at a level: {(period, group): (responses, mood, eNPS)}."""
    view = dashboard.morale_view(store, viewer, EVERYTHING, k=k, level=level)
    return {(r["period_id"], r["group"]): (r["responses"], r.get("mood"), r.get("enps"))
            for r in view["rows"] if not r["suppressed"]}


# --- finding 1: differencing over time -----------------------------------------------------------------

def test_a_manager_reloading_after_one_more_answer_learns_nothing_while_the_period_is_open(org_store, known):
    manager, billing = known["manager"], team_members(org_store, known, "Billing")
    for person in billing[:5]:
        answer(org_store, person, mood=5, enps=10, comment="all good")
    before = figures_of(org_store, manager, "team")
    answer(org_store, billing[5], mood=1, enps=0, comment="I am the sixth")
    after = figures_of(org_store, manager, "team")
    assert before == after == {}  # nothing of the open period: no mood, no eNPS, no count to subtract
    with org_store.read() as con:
        period = con.scalar("SELECT id FROM pulse_periods")
    team = billing[0].team_id
    assert reports.pulse_comments(org_store, manager, k=5, period_id=period, level="team", group_id=team) == []
    rates = reports.participation(org_store, manager, start=DAY - timedelta(days=20), end=END)
    assert [(r["answered"], r["closed"]) for r in rates] == [(6, False)]  # a response rate only

    assert pulse.close_due(org_store, END) == [period]  # closed: everything at once, the sixth inside it
    shown = figures_of(org_store, manager, "team")
    assert shown == {(period, "Billing, Kuala Lumpur"): (6, round((5 * 5 + 1) / 6, 2), round(100 * (5 - 1) / 6))}
    comments = reports.pulse_comments(org_store, manager, k=5, period_id=period, level="team", group_id=team)
    assert sorted(comments) == ["I am the sixth"] + ["all good"] * 5


def test_a_regional_manager_sees_no_office_figure_move_when_one_person_of_a_small_team_answers(org_store, known):
    regional, billing = known["regional_manager"], team_members(org_store, known, "Billing")
    care = team_members(org_store, known, "Customer Care")
    for person in billing[:6]:
        answer(org_store, person, mood=4)
    before = figures_of(org_store, regional, "office")
    answer(org_store, care[0], mood=1)  # a suppressed team of one: the office figure would move by exactly it
    assert figures_of(org_store, regional, "office") == before == {}


def test_the_dashboard_csv_does_not_change_when_one_more_person_answers(org_store, known):
    manager, billing = known["manager"], team_members(org_store, known, "Billing")
    today, length = date.today(), settings.load(org_store).pulse_period_days
    for person in billing[1:6]:
        pulse.submit(org_store, person, good(mood=5), today=today, length_days=length)
    at = open_page(org_store, manager, "dashboard")
    csv_before = [b.proto.label for b in at.get("download_button")], _tables(at)
    pulse.submit(org_store, billing[6], good(mood=1, enps=0), today=today, length_days=length)
    at.run()
    tables = _tables(at)
    assert not at.exception and csv_before[1]["mood"] == tables["mood"]
    assert all(value not in ("1", "1.0") for value in tables["mood"])


def _tables(at) -> dict:
    """The morale table the page shows (what its CSV holds), as text."""
    frames = [frame(d) for d in at.dataframe]
    morale = next(f for f in frames if "eNPS" in f.columns)
    return {"mood": [str(v) for v in morale["mood"]]}


# --- closing: all at once, generalised, nothing that names people ---------------------------------------

def test_closing_generalises_small_teams_up_and_keeps_no_cell_below_k(org_store, known):
    billing, care = team_members(org_store, known, "Billing"), team_members(org_store, known, "Customer Care")
    for person in billing[:6]:
        answer(org_store, person, mood=4, comment="billing")
    for person in care[:2]:
        answer(org_store, person, mood=1, comment="care")
    pulse.close_due(org_store, END)
    with org_store.read() as con:
        cells = con.rows("SELECT team_id, office_id, region_id, count(*) AS n FROM pulse_responses"
                         " GROUP BY team_id, office_id, region_id")
    assert sum(c["n"] for c in cells) == 8 and min(c["n"] for c in cells) >= 5
    assert all(c["team_id"] != care[0].team_id for c in cells)  # Customer Care's two are no longer a team cell
    leader = known["leader"]
    teams = figures_of(org_store, leader, "team")
    assert not any(group.startswith("Customer Care") for _, group in teams)
    org = figures_of(org_store, leader, "org")
    assert [value[0] for value in org.values()] == [8]  # every answer still counts in the organisation


def test_a_period_with_fewer_than_k_answers_in_the_whole_organisation_keeps_none(org_store, known):
    for person in team_members(org_store, known, "Billing")[:3]:
        answer(org_store, person)
    pulse.close_due(org_store, END)
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM pulse_responses") == 0
        assert con.scalar("SELECT sum(answered) FROM pulse_turnout") == 3  # participation is still counted


def test_a_period_closes_once_even_when_asked_twice(org_store, known):
    for person in team_members(org_store, known, "Billing")[:6]:
        answer(org_store, person)
    first, second = pulse.close_due(org_store, END), pulse.close_due(org_store, END)
    assert len(first) == 1 and second == []
    with org_store.read() as con:
        assert con.scalar("SELECT sum(answered) FROM pulse_turnout") == 6


def test_generalising_sends_small_cells_up_and_pulls_a_pool_into_a_small_top():
    cells = {(1, 10, 100): 7, (2, 10, 100): 2, (3, 11, 100): 6, (4, 12, 101): 9}
    moves = pulse.generalised(cells, 5)
    # team 2 (2) -> office 10 (2) -> region 100 (2) -> organisation (2): still too small, so the smallest cell of
    # the highest level left (team 3, 6 answers) is pulled up beside it; teams 1 and 4 stay.
    assert moves == {(1, 10, 100): (1, 10, 100), (2, 10, 100): (None, None, None),
                     (3, 11, 100): (None, None, None), (4, 12, 101): (4, 12, 101)}
    kept: dict = {}
    for cell, to in moves.items():
        kept[to] = kept.get(to, 0) + cells[cell]
    assert min(kept.values()) >= 5 and sum(kept.values()) == sum(cells.values())
    assert pulse.generalised({(1, 1, 1): 2, (2, 2, 2): 2}, 5) == {(1, 1, 1): None, (2, 2, 2): None}


# too_slow: on a loaded 2-core machine one draw can stall for a second or more; how fast inputs are made is not the
# property under test (CI failed on it once while four test runs shared the machine).
@hsettings(suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.dictionaries(st.tuples(st.integers(1, 12), st.integers(1, 4), st.integers(1, 2)),
                             st.integers(1, 12), max_size=12), k=st.integers(3, 8))
def test_generalised_cells_are_all_at_least_k_and_lose_nothing_unless_the_whole_is_below_k(cells, k):
    cells = {(team, team % 4 + 1, (team % 4) % 2 + 1): n for (team, _, _), n in cells.items()}  # a real tree
    moves = pulse.generalised(cells, k)
    kept: dict = {}
    for cell, to in moves.items():
        if to is not None:
            assert all(a is None or a == b for a, b in zip(to, cell, strict=True))  # only ever up its own branch
            kept[to] = kept.get(to, 0) + cells[cell]
    total = sum(cells.values())
    if total < k:
        assert not kept
    else:
        assert sum(kept.values()) == total and min(kept.values()) >= k


# --- finding 3: at rest ----------------------------------------------------------------------------------

def test_after_close_the_database_holds_no_small_cell_no_person_and_the_wal_is_empty(org_store, known, backend):
    staff = [p for team in ("Billing", "Customer Care") for p in team_members(org_store, known, team)]
    for number, person in enumerate(staff[:13]):
        answer(org_store, person, mood=1 + number % 5, comment=f"note {number}")
    with org_store.read() as con:
        period = con.scalar("SELECT id FROM pulse_periods")
    pulse.close_due(org_store, END)
    with org_store.read() as con:  # as a database reader: every table, every row
        tables = [r["table_name"] for r in con.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        for table in tables:
            columns = [r["column_name"] for r in con.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
                " AND table_schema = current_schema()", (table,))]
            if table.startswith("pulse_"):
                assert not {"person_id", "voter", "created_at", "answered_at"} & set(columns) or \
                    not con.scalar(f'SELECT count(*) FROM "{table}" WHERE period_id = ?', (period,)), table
        assert min(r["n"] for r in con.rows(
            "SELECT count(*) AS n FROM pulse_responses GROUP BY period_id, team_id, office_id, region_id")) >= 5
        assert con.scalar("SELECT count(*) FROM pulse_voters") == 0
        assert con.scalar("SELECT count(*) FROM pulse_participation") == 0
        audit = con.rows("SELECT action, detail FROM audit_log")
    assert not any("pulse" in (row["action"] + (row["detail"] or "")).lower() for row in audit)
    if backend == "duckdb":
        wal = Path(str(org_store.path) + ".wal")
        assert not wal.exists() or wal.stat().st_size == 0


@pytest.mark.duckdb_only("reads the DuckDB file's bytes")
def test_the_open_periods_voter_hashes_are_gone_from_the_file_after_close(org_store, known):
    team = team_members(org_store, known, "Billing")
    key = pulse.voter_key()
    for person in team[:6]:
        answer(org_store, person)
    with org_store.read() as con:
        period = con.scalar("SELECT id FROM pulse_periods")
    hashes = [pulse.voter(key, period, person.id) for person in team[:6]]
    pulse.close_due(org_store, END)
    path = Path(org_store.path)
    db.close_store(path)
    raw = path.read_bytes() + (Path(f"{path}.wal").read_bytes() if Path(f"{path}.wal").exists() else b"")
    assert not any(h.encode() in raw for h in hashes)


def test_while_open_the_database_alone_cannot_list_who_answered(org_store, known):
    team = team_members(org_store, known, "Billing")
    for person in team[:4]:
        answer(org_store, person)
    with org_store.read() as con:
        period = con.scalar("SELECT id FROM pulse_periods")
        stored = {r["voter"] for r in con.rows("SELECT voter FROM pulse_voters")}
        everyone = [r["id"] for r in con.rows("SELECT id FROM people")]
    # A reader who tries every person with any key but the server's finds nobody ...
    for guess in (b"", b"secret", str(period).encode(), b"board"):
        assert not stored & {pulse.voter(guess, period, person_id) for person_id in everyone}
    assert not stored & {str(person_id) for person_id in everyone}
    # ... and one who also holds the server's secret can tell who answered (the README says so), not what.
    key = pulse.voter_key()
    assert stored == {pulse.voter(key, period, person.id) for person in team[:4]}


# --- managers count once ---------------------------------------------------------------------------------

def test_a_manager_counts_once_in_their_own_team_for_every_use_of_k(org_store, known):
    manager = known["manager"]
    billing = team_members(org_store, known, "Billing")
    assert manager.id in [p.id for p in billing]  # the manager belongs to the team they manage
    with org_store.read() as con:
        size = people.team_size(con, manager.team_id)
    assert size == len([p for p in billing if p.active])
    assert pulse.team_headcount(org_store, manager.team_id) == size  # the pulse form's notice
    assert sg.anonymity_at_risk(org_store, manager, size + 1) and not sg.anonymity_at_risk(org_store, manager, size)
    others = [p for p in billing if p.id != manager.id][:4]
    for person in others + [manager]:
        answer(org_store, person, mood=3)
    pulse.close_due(org_store, END)
    shown = figures_of(org_store, manager, "team")
    assert [value[0] for value in shown.values()] == [5]  # 4 staff + the manager: 5 respondents, counted once


# --- the property over time ------------------------------------------------------------------------------

def _fresh_store(request, backend, tmp_path):
    """A new empty, migrated database for one hypothesis example."""
    if backend == "postgres":
        cluster, templates = request.getfixturevalue("pg_cluster"), request.getfixturevalue("pg_templates")
        name = cluster.fresh_name()
        url = cluster.create(name, templates.get("empty"))
        return db.open_store(url), lambda: (db.close_store(url), cluster.drop(name))
    path = tmp_path / f"{uuid.uuid4().hex}.duckdb"
    return db.open_store(path), lambda: (db.close_store(path), os.remove(path))


def _organisation(store, shape: list[list[int]]) -> dict:
    """Regions of offices of team sizes; each team's first person manages it, each region has a regional manager,
    and there is one leader. Returns the people by role."""
    org, roster_rows = io.StringIO(), io.StringIO()
    org_writer, people_writer = csv.writer(org), csv.writer(roster_rows)
    org_writer.writerow(roster.ORG_COLUMNS)
    people_writer.writerow(roster.ROSTER_COLUMNS)
    number = 0

    def person(role, region, office, team, manages=""):
        nonlocal number
        number += 1
        row = {"email": f"p{number}@example.com", "name": f"Person {number}", "role": role, "region": region,
               "office": office, "team": team, "manages": manages}
        people_writer.writerow([row[c] for c in roster.ROSTER_COLUMNS])

    for r, offices in enumerate(shape):
        region = f"Region {r + 1}"
        for o, teams in enumerate(offices):
            office = f"Office {r + 1}.{o + 1}"
            for t, size in enumerate(teams):
                team = f"Team {t + 1}"
                org_writer.writerow([region, office, team])
                for i in range(size):
                    person("manager" if i == 0 else "staff", region, office, team, team if i == 0 else "")
                if o == 0 and t == 0:
                    person("regional_manager", region, office, team, region)
    person("leader", "Region 1", "Office 1.1", "Team 1")
    person("admin", "Region 1", "Office 1.1", "Team 1")
    roster.import_org(store, org.getvalue().encode())
    roster.import_roster(store, roster_rows.getvalue().encode())
    with store.read() as con:
        ids = con.rows("SELECT id, role FROM people ORDER BY id")
    everyone = [people.get_person(store, r["id"]) for r in ids]
    return {"everyone": everyone, "viewers": [p for p in everyone if p.role in MANAGERS_UP]}


LEVELS_OF = {"manager": ("team",), "regional_manager": ("region", "office", "team"), "leader": MORALE_LEVELS}


def _read_everything(store, viewers, units, k, data) -> tuple[dict, dict]:
    """Every role's views: the leader's every level unfiltered, each regional manager's every level and up to two
    managers' with a random filter and period choice, and the comments of every group shown. Returns
    ({view key: figures}, {(period, level, group): sorted comments})."""
    shown, comments = {}, {}
    managers = [v for v in viewers if v.role == "manager"]
    sample = data.draw(st.lists(st.sampled_from(managers), max_size=2, unique_by=lambda p: p.id)) if managers else []
    for viewer in [v for v in viewers if v.role != "manager"] + sample:  # every leader and regional manager
        scope = [u for u in units if viewer.role == "leader" or (viewer.role == "regional_manager" and
                 u["region_id"] == viewer.region_id) or u["team_id"] == viewer.team_id]
        unit = data.draw(st.sampled_from(scope))
        keep = data.draw(st.sampled_from([(), ("region_id",), ("region_id", "office_id"),
                                          ("region_id", "office_id", "team_id")]))
        start = data.draw(st.sampled_from([EVERYTHING.start, END]))  # both periods, or the second only
        narrowed = dashboard.Filters(start, EVERYTHING.end, **{key: unit[key] for key in keep})
        for level in LEVELS_OF[viewer.role]:
            for filters in ((EVERYTHING,) if viewer.role == "leader" else (narrowed,)):
                view = dashboard.morale_view(store, viewer, filters, k=k, level=level)
                for row in view["rows"]:
                    if row["suppressed"]:
                        continue
                    assert row["responses"] >= k
                    key = (level, row["period_id"], row["group_id"])  # the leader reads every one of them
                    figure = (row["responses"], row["mood"], row["enps"])
                    assert shown.setdefault(key, figure) == figure  # the same in every view of it
                    place = (row["period_id"], level, row["group_id"])
                    if place not in comments:
                        comments[place] = sorted(reports.pulse_comments(
                            store, viewer, k=k, period_id=row["period_id"], level=level, group_id=row["group_id"]))
    return shown, comments


def _compare(before: tuple[dict, dict], after: tuple[dict, dict], k: int, closing: bool) -> None:
    """Between two consecutive reads: a figure never changes or disappears; new figures appear only at a
    close and each covers at least k; comments appear only with their group, never one by one."""
    (figures_a, comments_a), (figures_b, comments_b) = before, after
    for key, figure in figures_a.items():
        assert figures_b.get(key) == figure, key
    new = set(figures_b) - set(figures_a)
    assert closing or not new, new
    assert all(figures_b[key][0] >= k for key in new)
    for place, texts in comments_a.items():
        assert comments_b.get(place) == texts, place
    assert closing or set(comments_b) == set(comments_a)


team_sizes = st.lists(st.integers(1, 7), min_size=1, max_size=2)
shapes = st.lists(st.lists(team_sizes, min_size=1, max_size=2), min_size=1, max_size=2)


@pytest.mark.slow
@hsettings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), shape=shapes, k=st.integers(3, 5))
def test_no_read_after_any_single_answer_reveals_less_than_k_answers(request, backend, tmp_path, data, shape, k):
    store, drop = _fresh_store(request, backend, tmp_path)
    try:
        world = _organisation(store, shape)
        settings.save(store, _admin(store), anonymity_k=k, ack_sla_days=5, categories=settings.DEFAULT_CATEGORIES)
        viewers, units = world["viewers"], dashboard.units_in_scope(store, world["viewers"][-1])
        last = _read_everything(store, viewers, units, k, data)
        for day in (DAY, END):  # two periods, each closed after its answers
            who = data.draw(st.lists(st.sampled_from(world["everyone"]), unique_by=lambda p: p.id,
                                     max_size=len(world["everyone"])))
            for person in who:
                comment = data.draw(st.sampled_from(["", "", f"from {person.id} on {day}"]))
                answer(store, person, day, mood=data.draw(st.integers(1, 5)), enps=data.draw(st.integers(0, 10)),
                       comment=comment)
                now = _read_everything(store, viewers, units, k, data)
                _compare(last, now, k, closing=False)
                last = now
            pulse.close_due(store, pulse.period_bounds(day, LENGTH)[1])
            now = _read_everything(store, viewers, units, k, data)
            _compare(last, now, k, closing=True)
            last = now
    finally:
        drop()


def _admin(store):
    with store.read() as con:
        return people.get_person(store, con.scalar("SELECT id FROM people WHERE role = 'admin'"))


def test_without_a_key_on_postgresql_the_app_says_what_to_set_in_one_line(monkeypatch):
    monkeypatch.delenv("BOARD_PULSE_KEY")
    assert pulse.key_problem("postgres") == ("Set BOARD_PULSE_KEY (the same random value on every app server) "
                                            "before using the pulse.")
    monkeypatch.setenv("BOARD_PULSE_KEY", "a server secret")
    assert pulse.key_problem("postgres") is None
