"""The dashboards through the real page (AppTest): each allowed role, scope of the filters, the leaders' feed,
suppressed morale cells, a CSV per chart, drill-down, and caches that never mix viewers or go stale."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from board.morale import pulse
from board.org import people, settings
from board.reporting import dashboard, reports
from tests.support.pages import open_page, page_file
from tests.support.suggestions import submit

CHARTS = 13  # morale 3, suggestions 6, minutes 3, responsiveness vs morale 1
TABS = {"Morale": 3, "Suggestions": 6, "Minutes": 3, "Responsiveness vs morale": 1}  # their charts
DRILLS_ON_THE_PAGE = ("status", "month", "month submitted (response times)", "age", "category", "escalated to",
                      "office and month", "meetings of the month", "actions due in the month", "team")


def default_filters() -> dashboard.Filters:
    """What the page shows before anything is touched: the last 12 months, everything in scope."""
    this_month = date.today().replace(day=1)
    start = date(this_month.year - (this_month.month <= 11), (this_month.month - 12) % 12 + 1, 1)
    return dashboard.Filters(start, (this_month + timedelta(days=31)).replace(day=1))


def tab(name: str) -> dict:
    """open_page's state that opens the dashboard on a tab (only the open tab is computed and shown)."""
    return {"dashboard_tab": name}


def every_tab(at: AppTest):
    """Open each tab in turn (as a click does: a rerun with it open), yielding its name."""
    for name in TABS:
        at.session_state["dashboard_tab"] = name
        at.run()
        assert not at.exception, (name, at.exception)
        yield name


def figures(at: AppTest) -> dict[str, dict]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def funnel_total(at: AppTest) -> int:
    bars = figures(at)["Suggestion funnel: suggestions by status"]["data"]
    return sum(sum(trace["x"]) for trace in bars)


def table_with(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def another_manager(store, manager):
    """The manager of another team (the demo has one per team)."""
    with store.read() as con:
        other_id = con.scalar("SELECT min(id) FROM people WHERE role = 'manager' AND active AND team_id <> ?",
                              (manager.team_id,))
    return people.get_person(store, other_id)


@pytest.mark.parametrize("role", ["manager", "regional_manager", "leader"])
def test_dashboard_renders_every_chart_with_a_csv_for_each(demo_store, known, role):
    at = open_page(demo_store, known[role], "dashboard")
    assert [t.value for t in at.title] == ["Dashboards"] and not at.error
    assert [t.label for t in at.tabs] == ["Morale", "Suggestions", "Minutes", "Responsiveness vs morale"]
    assert sorted(figures(at)) == ["Mood per pulse period", "Pulse participation per period",
                                   "eNPS per pulse period"]  # the first view computes the Morale tab alone
    seen = {}
    for name in every_tab(at):
        charts = figures(at)
        assert len(at.get("plotly_chart")) == len(charts) == TABS[name], name
        assert all(spec["data"] for spec in charts.values()), [t for t, s in charts.items() if not s["data"]]
        buttons = at.download_button
        assert len(buttons) == TABS[name] and {b.label for b in buttons} == {"Download CSV"}
        seen.update(charts)
    assert len(seen) == CHARTS == sum(TABS.values())


def test_a_large_organisation_picks_a_team_and_compares_teams_within_a_region_or_office(demo_store, known,
                                                                                        monkeypatch):
    """Above dashboard.MOST_LISTED teams (40,000 in the largest organisations) the team filter and the morale
    comparison by team wait for a region or office: nobody waits for, or reads, a list of every team."""
    units = dashboard.units_in_scope(demo_store, known["leader"])
    office = units[-1]
    in_office = sorted(f"{u['team']}, {u['office']}" for u in units if u["office_id"] == office["office_id"])
    monkeypatch.setattr(dashboard, "MOST_LISTED", len(in_office))  # the demo's size, scaled down: one office fits
    at = open_page(demo_store, known["leader"], "dashboard")
    unlisted = at.selectbox(key="team_unlisted")
    assert unlisted.disabled and unlisted.options == ["All teams"] and unlisted.value == "All teams"
    assert unlisted.help == f"{len(units)} teams: choose a region or office to pick one."
    assert "Team" not in at.selectbox(key="morale_level").options
    assert f"To compare by team, choose a region or office first: {len(units)} teams are more than one chart can " \
           "show." in [c.value for c in at.caption]
    at.session_state["dashboard_tab"] = "Responsiveness vs morale"  # each point an office, the list behind one too
    at.run()
    assert not at.exception and list(figures(at)) == ["Responsiveness vs morale per office"]
    assert f"{len(units)} teams are more than one chart can show, so each point is an office. To compare teams, " \
           "choose a region or office above." in [c.value for c in at.caption]
    points = figures(at)["Responsiveness vs morale per office"]["data"][0]["text"]
    assert len(points) > 1 and set(points) <= {u["office"] for u in units}
    if len(points) > len(in_office):  # the drill-down's list is bound by MOST_LISTED too
        assert f"Show the list behind: office: {len(points)} choices, too many for one list. Choose a region or " \
               "office above first." in [c.value for c in at.caption]
    else:
        assert at.selectbox(key="drill_office").label == "Show the list behind: office"
    at.session_state["dashboard_tab"] = "Morale"
    at.run()
    at.selectbox(key="region").set_value(office["region_id"]).run()
    at.selectbox(key="office").set_value(office["office_id"]).run()
    assert not at.exception
    assert at.selectbox(key="team").options == ["All teams", *in_office]
    assert at.selectbox(key="morale_level").options == ["Office", "Team"]
    at.selectbox(key="morale_level").set_value("team").run()
    assert not at.exception and set(table_with(at, "eNPS")["Group"]) <= set(in_office)
    assert len(set(table_with(at, "eNPS")["Group"])) > 1
    at.session_state["dashboard_tab"] = "Responsiveness vs morale"  # within one office: its teams again
    at.run()
    assert not at.exception and list(figures(at)) == ["Responsiveness vs morale per team"]
    assert set(figures(at)["Responsiveness vs morale per team"]["data"][0]["text"]) <= set(in_office)


def test_a_drill_down_with_more_choices_than_one_list_holds_asks_for_a_region_or_office(demo_store, known,
                                                                                        monkeypatch):
    monkeypatch.setattr(dashboard, "MOST_LISTED", 1)
    at = open_page(demo_store, known["leader"], "dashboard")
    offered, too_many = [], []
    for _ in every_tab(at):
        offered += [box for box in at.selectbox if box.key.startswith("drill_")]
        too_many += [c.value for c in at.caption if "too many for one list" in c.value]
    assert all(len(box.options) <= 2 for box in offered)  # "choose one" and at most one choice
    statuses = len(dashboard.funnel(demo_store, known["leader"], default_filters()))
    assert statuses > 1 and f"Show the list behind: status: {statuses} choices, too many for one list. Choose a " \
                            "region or office above first." in too_many
    assert len(too_many) + len(offered) == len(DRILLS_ON_THE_PAGE)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admin_cannot_open_the_dashboard(demo_store, known, role):
    at = open_page(demo_store, known[role])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page_file("dashboard"))


@pytest.mark.slow
def test_filters_offer_only_the_viewers_scope(demo_store, known):
    regional, manager = known["regional_manager"], known["manager"]
    units = dashboard.units_in_scope(demo_store, known["leader"])
    region_offices = {u["office"] for u in units if u["region_id"] == regional.region_id}
    at = open_page(demo_store, regional, "dashboard")
    assert f"Region: {regional.region}" in [t.value for t in at.text]
    assert set(at.selectbox(key="office").options) == {"All offices", *region_offices}
    assert len(region_offices) < len({u["office"] for u in units})
    at = open_page(demo_store, manager, "dashboard")
    shown = [t.value for t in at.text]
    assert f"Team: {manager.team}, {manager.office}" in shown and f"Office: {manager.office}" in shown


@pytest.mark.slow
def test_leader_sees_the_newest_feed_and_a_manager_does_not(demo_store, known):
    at = open_page(demo_store, known["leader"], "dashboard", state=tab("Suggestions"))
    assert [s.value for s in at.subheader] == ["Newest suggestions"]
    feed = table_with(at, "Title")
    newest = dashboard.newest(demo_store, known["leader"], default_filters())
    assert list(feed["#"]) == [f"suggestion?id={r['id']}" for r in newest] and len(feed) > 0  # links
    at = open_page(demo_store, known["manager"], "dashboard", state=tab("Suggestions"))
    assert not at.subheader and not any("Office" in df.value.columns for df in at.dataframe)


@pytest.mark.slow
def test_suppressed_morale_cells_say_fewer_than_k_responses(demo_store, known):
    # Closed periods keep no cell below the k of their close (5); raised to 8 afterwards, the suppression on
    # top of that hides what is now too small.
    settings.save(demo_store, known["admin"], anonymity_k=8, ack_sla_days=5, categories=settings.DEFAULT_CATEGORIES)
    at = open_page(demo_store, known["leader"], "dashboard")
    at.selectbox(key="morale_level").set_value("team").run()
    assert not at.exception
    table = table_with(at, "eNPS")
    note = "fewer than 8 responses"
    hidden = table[table["Mood"] == note]
    assert len(hidden) > 0 and (hidden["Responses"] == note).all() and (hidden["eNPS"] == note).all()
    shown = table[table["Mood"] != note]
    assert len(shown) > 0 and shown["Responses"].astype(int).min() >= 8
    assert not table[["Responses", "Mood"]].isin(["", "0", "None", "nan"]).any().any()  # eNPS 0 is a real score
    mood = figures(at)["Mood per pulse period"]
    points = sum(sum(y is not None for y in trace["y"]) for trace in mood["data"])
    assert points == len(shown)  # suppressed periods are gaps, never points


def test_drill_down_lists_the_suggestions_behind_a_status(demo_store, known):
    manager = known["manager"]
    at = open_page(demo_store, manager, "dashboard", state=tab("Suggestions"))
    at.selectbox(key="drill_status").set_value("New").run()
    rows = dashboard.drill(demo_store, manager, default_filters(), status="new")
    listed = table_with(at, "Author")
    assert len(rows) > 0 and list(listed["#"]) == [f"suggestion?id={r['id']}" for r in rows]
    assert set(listed["Status"]) == {"New"}
    assert link_columns(at) == [("#", r"id=(\d+)$")]  # each number is a link that opens its suggestion


def link_columns(at: AppTest) -> list[tuple[str, str]]:
    """(header, text shown) of every link column of every table on the page."""
    found = []
    for element in at.dataframe:
        for header, config in json.loads(element.proto.columns or "{}").items():
            if config.get("type_config", {}).get("type") == "link":
                found.append((config.get("label", header), config["type_config"].get("display_text")))
    return found


@pytest.mark.parametrize(("drill", "choice", "page"), [("drill_meetings of the month", 1, "minutes"),
                                                       ("drill_actions due in the month", 1, "action")])
def test_the_meetings_and_actions_behind_a_chart_open_from_their_numbers(demo_store, known, drill, choice, page):
    at = open_page(demo_store, known["manager"], "dashboard", state=tab("Minutes"))
    box = at.selectbox(key=drill)
    for index in range(1, len(box.options)):  # the first month that lists something
        at.selectbox(key=drill).select_index(index).run()
        if at.dataframe and any("#" in df.value.columns for df in at.dataframe[-1:]):
            break
    listed = at.dataframe[-1].value
    assert len(listed) > 0 and all(value.startswith(f"{page}?id=") for value in listed["#"])
    assert link_columns(at)[-1] == ("#", r"id=(\d+)$")
    shown = listed.astype(str).to_numpy().ravel().tolist()
    assert not {"None", "True", "False", "done", "open", "needs_follow_up", "reviewed"} & set(shown)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["manager", "regional_manager", "leader"])
def test_every_drill_down_lists_rows_for_its_first_choice(demo_store, known, role):
    at = open_page(demo_store, known[role], "dashboard")
    drills = 0
    for _ in every_tab(at):
        for key in [box.key for box in at.selectbox if box.key and box.key.startswith("drill_")]:
            box = at.selectbox(key=key)
            assert len(box.options) > 1, key  # the demo has something behind every chart
            at.selectbox(key=key).select_index(1).run()
            assert not at.exception and not at.error, key
            assert not [i.value for i in at.info if i.value == "Nothing to list."], key
            drills += 1
    assert drills == 10  # 6 suggestion charts, 3 minutes charts, responsiveness vs morale


@pytest.mark.slow
def test_cached_numbers_belong_to_each_viewer_and_refresh_on_new_data(demo_store, known):
    manager, regional = known["manager"], known["regional_manager"]
    other = another_manager(demo_store, manager)
    expected = {p.id: sum(r["suggestions"] for r in dashboard.funnel(demo_store, p, default_filters()))
                for p in (manager, other, regional)}
    assert len(set(expected.values())) == 3
    for person in (manager, other, regional, manager):  # the cache is shared by every session
        assert funnel_total(open_page(demo_store, person, "dashboard", state=tab("Suggestions"))) == expected[person.id]
    at = open_page(demo_store, manager, "dashboard", state=tab("Suggestions"))
    submit(demo_store, known["staff"], key="fresh")  # staff of the manager's team
    at.run()
    assert funnel_total(at) == expected[manager.id] + 1


@pytest.mark.slow
def test_cached_morale_refreshes_on_a_pulse_answer(demo_store, known):
    manager, today = known["manager"], date.today()
    length = settings.load(demo_store).pulse_period_days
    at = open_page(demo_store, manager, "dashboard")
    points = lambda: [y for trace in figures(at)["Pulse participation per period"]["data"] for y in trace["y"]]  # noqa: E731
    before = points()  # the closed periods' line, then the open period's point
    expected = reports.participation(demo_store, manager, start=default_filters().start, end=default_filters().end)
    assert before == [r["participation_pct"] for r in expected]
    with demo_store.read() as con:
        team = [people.get_person(demo_store, r["id"]) for r in con.rows(
            "SELECT id FROM people WHERE team_id = ? AND active ORDER BY id", (manager.team_id,))]
    waiting = next(p for p in team if not pulse.has_answered(demo_store, p, today=today, length_days=length))
    pulse.submit(demo_store, waiting, pulse.Answer(
        mood=4, enps=8, empowered=4, tools=4, acted_on=4, workload=4, proud=4, comment=""), today=today,
        length_days=length)
    at.run()
    after = points()
    expected = reports.participation(demo_store, manager, start=default_filters().start, end=default_filters().end)
    assert after == [r["participation_pct"] for r in expected] != before


# --- the read-only helpers behind the page --------------------------------------------------------

def test_responsiveness_vs_morale_pairs_each_shown_team_with_its_acknowledgement_days():
    teams = {1: {"group": "Billing, Dublin", "responses": 18, "mood": 4.0},
             3: {"group": "Care, Lisbon", "responses": 5, "mood": 2.0}}  # team 3: nothing acknowledged yet
    rows = dashboard.responsiveness_vs_morale({1: 2.04, 2: 1.0}, teams)  # team 2: its morale is not shown
    assert rows == [{"team_id": 1, "team": "Billing, Dublin", "ack_days": 2.0, "mood": 4.0, "responses": 18}]
    offices = dashboard.responsiveness_vs_morale({4: 1.96}, {4: {"group": "Dublin", "responses": 40, "mood": 3.5}},
                                                 "office")
    assert offices == [{"office_id": 4, "office": "Dublin", "ack_days": 2.0, "mood": 3.5, "responses": 40}]


def test_minutes_coverage_has_every_month_of_the_period(demo_store, known):
    filters = default_filters()
    manager = dashboard.minutes_coverage(demo_store, known["manager"], filters)
    assert len(manager) == 12 and {r["office"] for r in manager} == {"Billing, Kuala Lumpur"}
    assert sum(r["meetings"] for r in manager) == sum(
        r["meetings"] for r in dashboard.minutes_monthly(demo_store, known["manager"], filters))
    regional = dashboard.minutes_coverage(demo_store, known["regional_manager"], filters)
    offices = {u["office"] for u in dashboard.units_in_scope(demo_store, known["regional_manager"])}
    assert {r["office"] for r in regional} == offices and len(regional) == 12 * len(offices)
    one = dashboard.Filters(filters.start, filters.end, office_id=known["regional_manager"].office_id)
    only = dashboard.minutes_coverage(demo_store, known["regional_manager"], one)
    assert {r["office"] for r in only} == {known["regional_manager"].office}
