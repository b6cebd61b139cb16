"""Pages on either side of UTC midnight. Times are stored in UTC and pages count days in the viewer's office's
zone, so a person west of UTC spends their evening on the day before what was just stored, and a person east of
it their morning on the day after. The last CI failed there: at 00:30 UTC the Suggestions tab of a Mexico City
manager's dashboard gave a suggestion raised minutes before the age of -1 days, which no chart bucket holds."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from board import clock
from board.org import people
from tests.support.pages import open_page
from tests.support.suggestions import submit

# office -> the UTC time of day when its local day differs from the stored day
SIDES = {"Mexico City": time(0, 30),  # UTC-6: 18:30 the evening before
         "Sydney": time(23, 30)}  # UTC+11: 10:30 the morning after
PAGES = ("home", "my_suggestions", "inbox", "browse", "triage", "pulse", "minutes", "my_actions")


def _manager_and_staff(store, office: str):
    with store.read() as con:
        ids = [con.scalar("SELECT min(p.id) FROM people p JOIN teams t ON t.id = p.team_id JOIN offices o"
                          " ON o.id = t.office_id WHERE o.name = ? AND p.role = ? AND p.active AND t.name = 'Billing'",
                          (office, role)) for role in ("manager", "staff")]
    return [people.get_person(store, i) for i in ids]


@pytest.mark.parametrize("office", list(SIDES))
def test_every_page_of_a_manager_works_when_their_day_is_not_the_stored_day(demo_store, office, monkeypatch):
    """A staff member raises a suggestion at that moment; their manager opens every page they use, the
    suggestion's own and each dashboard tab, and none fails."""
    moment = datetime.combine(clock.utcnow().date() + timedelta(days=1), SIDES[office])  # tomorrow, UTC
    monkeypatch.setattr(clock, "utcnow", lambda: moment)
    manager, staff = _manager_and_staff(demo_store, office)
    title = f"The {office} queue screen freezes after midnight UTC"
    raised = submit(demo_store, staff, key=f"edge-{office}", title=title, now=moment).id
    for page in PAGES:
        open_page(demo_store, manager, page)  # fails on any exception
    at = open_page(demo_store, manager, "suggestion", query={"id": raised})
    assert f"#{raised} · {title}" in [t.value for t in at.text]
    at = open_page(demo_store, manager, "dashboard")
    for tab in ("Morale", "Suggestions", "Minutes", "Responsiveness vs morale"):  # each computed when opened
        at.session_state["dashboard_tab"] = tab
        at.run()
        assert not at.exception, (tab, at.exception)
        assert at.get("plotly_chart"), f"no chart on the {tab} tab"
