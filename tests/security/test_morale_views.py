"""The anonymity threshold through the reports layer, proved over random answers, roles, levels and filters
(hypothesis, on a real DuckDB file of the demo organisation): every figure any view shows covers at least k
respondents, a group shows the same figures in every view, and no two shown figures where one group contains
the other, nor a shown group minus its shown sub-groups, differ by 1 to k-1 respondents."""

from __future__ import annotations

import shutil
import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board import store as db
from board.morale import pulse
from board.org import people
from board.reporting import dashboard
from board.reporting.reports import MORALE_LEVELS

PERIODS = (date(2026, 1, 5), date(2026, 1, 19))
FILTERS_IN = dashboard.Filters(start=date(2026, 1, 1), end=date(2026, 2, 1))


@pytest.fixture(scope="module")
def world(tmp_path_factory, org_template):
    """The demo organisation with two pulse periods, and one viewer per dashboard role."""
    path = tmp_path_factory.mktemp("morale") / "board.duckdb"
    shutil.copy(org_template, path)
    store = db.open_store(path)
    store.write(lambda con: con.executemany(  # closed without generalising: what the suppression alone does
        "INSERT INTO pulse_periods (id, starts_on, ends_on, closed_at) VALUES (?, ?, ?, now())",
        [(n + 1, day, date.fromordinal(day.toordinal() + 14)) for n, day in enumerate(PERIODS)]))
    with store.read() as con:
        ids = {role: con.scalar("SELECT min(id) FROM people WHERE role = ? AND active", (role,))
               for role in ("leader", "regional_manager", "manager")}
    viewers = [people.get_person(store, person_id) for person_id in ids.values()]
    units = dashboard.units_in_scope(store, viewers[0])
    yield store, viewers, units
    db.close_store(path)


def answer(store, counts: dict[tuple[int, int], int]) -> None:
    """Replace every pulse answer: counts[(period id, team id)] answers of one team in one period."""
    rows = [(uuid.uuid4().hex, period, team, 1 + n % 5, n % 11, 3, 3, 3, 3, 3, "")
            for (period, team), count in counts.items() for n in range(count)]

    def apply(con):
        con.execute("DELETE FROM pulse_responses")
        con.executemany("INSERT INTO pulse_responses (id, period_id, team_id, mood, enps, empowered, tools, acted_on,"
                        " workload, proud, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("UPDATE pulse_responses SET office_id = t.office_id, region_id = o.region_id FROM teams t"
                    " JOIN offices o ON o.id = t.office_id WHERE t.id = pulse_responses.team_id")
        pulse.rebuild_cells(con)  # the counts the dashboards read, as sealing would have written them
    store.write(apply)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), k=st.integers(3, 6))
def test_no_view_shows_or_lets_subtract_a_group_below_k(world, data, k):
    store, viewers, units = world
    teams = sorted({u["team_id"] for u in units})
    # Most teams small, so that suppression and complements are exercised; a few large enough to be shown.
    sizes = st.one_of(st.integers(0, 4), st.integers(3, 9), st.integers(8, 14))
    counts = {(period, team): data.draw(sizes) for period in (1, 2) for team in teams}
    answer(store, counts)

    shown: dict[tuple, int] = {}
    views = [(viewers[0], dashboard.Filters(FILTERS_IN.start, FILTERS_IN.end), level) for level in MORALE_LEVELS]
    for viewer in viewers:  # the leader's unfiltered views at every level (everything shown), then random ones
        scope = dashboard.units_in_scope(store, viewer)
        for _ in range(4):  # random filter combinations within the viewer's scope, and a level to compare by
            unit = data.draw(st.sampled_from(scope))
            narrowing = data.draw(st.sampled_from(["none", "region", "office", "team"]))
            keep = {"none": (), "region": ("region_id",), "office": ("region_id", "office_id"),
                    "team": ("region_id", "office_id", "team_id")}[narrowing]
            filters = dashboard.Filters(FILTERS_IN.start, FILTERS_IN.end,
                                        **{key: unit[key] for key in keep})
            views.append((viewer, filters, data.draw(st.sampled_from(MORALE_LEVELS))))
    for viewer, filters, level in views:
        view = dashboard.morale_view(store, viewer, filters, k=k, level=level)
        for row in view["rows"]:
            assert all(getattr(filters, key) in (None, row[key]) for key in ("region_id", "office_id", "team_id"))
            if row["suppressed"]:
                assert row["responses"] is None and "mood" not in row
                continue
            key = (row["period_id"], row["level"], row["group_id"])
            assert row["responses"] >= k
            assert shown.setdefault(key, row["responses"]) == row["responses"]  # the same in every view
        # responsiveness: shown periods only, so never below k
        for level in dashboard.VERSUS_LEVELS:
            for group in dashboard.moods(store, viewer, filters, k=k, level=level).values():
                assert group["responses"] >= k
    assert any(shown) or sum(counts.values()) < k

    parent_of = {}
    for u in units:
        parent_of[("team", u["team_id"])] = ("office", u["office_id"])
        parent_of[("office", u["office_id"])] = ("region", u["region_id"])
        parent_of[("region", u["region_id"])] = ("org", 0)

    def ancestors(group):
        while group in parent_of:
            group = parent_of[group]
            yield group

    for period in (1, 2):
        groups = {(level, gid): n for (p, level, gid), n in shown.items() if p == period}
        below: dict[tuple, int] = {}
        for group, n in groups.items():
            shown_above = [a for a in ancestors(group) if a in groups]
            for above in shown_above:
                assert groups[above] - n == 0 or groups[above] - n >= k, (group, above)
            if shown_above:  # its nearest shown ancestor
                below[shown_above[0]] = below.get(shown_above[0], 0) + n
        for top, inside in below.items():
            assert groups[top] - inside == 0 or groups[top] - inside >= k, top
