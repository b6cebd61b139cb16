"""Actions in words, filtered and by unit, one action with its history; the playbook grouped, paged and opened by
entry key; the calendar months of the office overview."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from board.errors import NotAllowed, NotFound
from board.meetings import actions, playbook
from board.org import people
from board.web.ui.months import month_label, months_back
from tests.support.minutes import action, document, draft, item, publish

TODAY = date.today()


def someone(store, role, **where):
    """The first active person with this role in the given team or office."""
    extra = "".join(f" AND p.{column} = ?" if column == "team_id" else " AND t.office_id = ?" for column in where)
    with store.read() as con:
        pid = con.scalar("SELECT p.id FROM people p JOIN teams t ON t.id = p.team_id"
                         f" WHERE p.active AND p.role = ?{extra} ORDER BY p.id LIMIT 1", (role, *where.values()))
    return people.get_person(store, pid)


def record(store, author, *items, day=TODAY, office_id=None) -> int:
    """Published minutes of the author's unit; the meeting id."""
    meeting_id = draft(store, author, office_id)
    publish(store, author, meeting_id, document(author, *items, day=day))
    return meeting_id


# --- months of the office overview ---------------------------------------------------------------------------

@pytest.mark.parametrize("today, n, expected", [
    (date(2026, 12, 2), 3, [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]),
    (date(2027, 1, 31), 3, [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]),
    (date(2026, 3, 31), 3, [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]),
    (date(2026, 7, 31), 2, [date(2026, 6, 1), date(2026, 7, 1)]),
    (date(2026, 1, 1), 1, [date(2026, 1, 1)]),
])
def test_months_back_are_calendar_months_across_years_and_month_lengths(today, n, expected):
    assert months_back(today, n) == expected


def test_months_back_never_skip_or_repeat_a_month():
    for today in (date(2026, 12, 2), date(2026, 12, 31), date(2027, 1, 1), date(2028, 3, 31)):
        months = months_back(today, 18)
        assert len(set(months)) == 18 and months[-1] == today.replace(day=1)
        steps = {(b.year * 12 + b.month) - (a.year * 12 + a.month) for a, b in zip(months, months[1:], strict=False)}
        assert steps == {1}
    assert date(2026, 11, 1) in months_back(date(2026, 12, 2), 6)


def test_the_current_month_is_labelled_as_not_over_yet():
    assert month_label(date(2026, 12, 1), date(2026, 12, 2)) == "Dec 2026 (so far)"
    assert month_label(date(2026, 11, 1), date(2026, 12, 2)) == "Nov 2026"
    assert month_label(date(2025, 12, 1), date(2026, 12, 2)) == "Dec 2025"


# --- actions ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("due, status, closed, words", [
    (date(2026, 12, 9), "open", None, "due 09 Dec 2026"),
    (date(2026, 12, 2), "open", None, "due today"),
    (date(2026, 12, 3), "open", None, "due tomorrow"),
    (date(2026, 12, 1), "open", None, "overdue by 1 day"),
    (date(2026, 11, 29), "open", None, "overdue by 3 days"),
    (date(2026, 11, 29), "done", datetime(2026, 11, 30, 9, 5), "done on 30 Nov 2026"),
    (date(2026, 11, 29), "dropped", datetime(2026, 12, 1, 9, 5), "dropped on 01 Dec 2026"),
])
def test_when_an_action_is_due_is_said_in_words(due, status, closed, words):
    assert actions.due_words({"due_date": due, "status": status, "closed_at": closed}, date(2026, 12, 2)) == words


def _three_actions(store, known) -> list[dict]:
    """The staff's three actions from one meeting ten days ago: overdue, due later, and one closed done."""
    staff = known["staff"]
    record(store, known["manager"], item(acts=[action(staff, TODAY - timedelta(days=1), "Overdue"),
                                               action(staff, TODAY + timedelta(days=5), "Later"),
                                               action(staff, TODAY + timedelta(days=6), "Finished")]),
           day=TODAY - timedelta(days=10))
    mine = actions.mine(store, staff, today=TODAY)
    actions.close(store, staff, mine[-1]["id"], "done")
    return mine


def test_my_actions_filter_by_status_and_overdue(org_store, known):
    _three_actions(org_store, known)
    staff = known["staff"]

    def found(**filters):
        return [a["description"] for a in actions.mine(org_store, staff, today=TODAY, **filters)]

    assert found() == found(status="open") == ["Overdue", "Later"]
    assert found(status="done") == ["Finished"] and found(status="dropped") == []
    assert found(status="all") == ["Overdue", "Later", "Finished"]
    assert found(overdue_only=True) == found(status="all", overdue_only=True) == ["Overdue"]


def test_a_units_open_actions_narrow_by_unit_owner_and_overdue(org_store, known):
    _three_actions(org_store, known)
    other_team = someone(org_store, "manager", team_id=2)
    colleague = someone(org_store, "staff", team_id=2)
    record(org_store, other_team, item(acts=[action(colleague, TODAY - timedelta(days=2), "Theirs")]),
           day=TODAY - timedelta(days=9))
    leader = known["leader"]

    def found(**filters):
        return [a["description"] for a in actions.team_open(org_store, leader, today=TODAY, **filters)]

    assert found() == ["Theirs", "Overdue", "Later"]
    units = actions.team_units(org_store, leader, today=TODAY)
    assert [(u["open"], u["overdue"]) for u in units] == [(2, 1), (1, 1)]  # the most overdue first
    ours = next(u for u in units if u["team_id"] == known["staff"].team_id)
    assert ours["unit"] == "Billing team, Kuala Lumpur"
    assert found(office_id=ours["office_id"], team_id=ours["team_id"]) == ["Overdue", "Later"]
    assert found(owner_id=colleague.id) == ["Theirs"]
    assert found(overdue_only=True) == ["Theirs", "Overdue"]
    assert [(o["owner"], o["open"]) for o in actions.team_owners(org_store, leader, today=TODAY)] == sorted(
        [(known["staff"].name, 2), (colleague.name, 1)])
    assert found(office_id=ours["office_id"], team_id=0) == []  # the office's own meetings: none


def test_one_action_carries_its_history_and_who_may_close_it(org_store, known):
    overdue, later, finished = _three_actions(org_store, known)
    staff, manager = known["staff"], known["manager"]
    actions.close(org_store, staff, overdue["id"], "dropped", "Finance sent the numbers anyway")
    row = actions.get(org_store, staff, overdue["id"], today=TODAY)
    assert (row["owner"], row["status"], row["can_close"]) == (staff.name, "dropped", False)
    assert [(e["actor"], e["from_status"], e["to_status"], e["note"]) for e in row["events"]] == [
        (manager.name, None, "open", ""), (staff.name, "open", "dropped", "Finance sent the numbers anyway")]
    assert actions.get(org_store, staff, later["id"], today=TODAY)["can_close"] is True
    assert actions.get(org_store, manager, later["id"], today=TODAY)["can_close"] is True  # the minutes' author
    assert actions.get(org_store, known["leader"], later["id"], today=TODAY)["can_close"] is False  # reads only
    with pytest.raises(NotAllowed):
        actions.get(org_store, someone(org_store, "staff", team_id=2), later["id"], today=TODAY)


# --- playbook -----------------------------------------------------------------------------------------------

REFUND = "Customers wait ten days for small refunds."
REMEDY = "Agents may refund up to 20 dollars."


def _same_solution_in_three_offices(store, known) -> dict:
    """The same problem and solution (in other case and punctuation) in Kuala Lumpur twice and in two other
    offices; a different one once. Returns the meetings by office name."""
    regional = known["regional_manager"]
    with store.read() as con:
        offices = {r["name"]: r["id"] for r in con.rows(
            "SELECT id, name FROM offices WHERE region_id = ? ORDER BY id", (regional.region_id,))}
    names = list(offices)[:3]
    meetings = {}
    for n, name in enumerate(names):
        problem = REFUND if n != 1 else "customers wait ten days   for small refunds"
        meetings[name] = record(store, regional, item(problem, solution=REMEDY if n != 2 else REMEDY.upper()),
                                day=TODAY - timedelta(days=3 - n), office_id=offices[name])
    record(store, known["manager"], item(REFUND, solution=REMEDY), day=TODAY - timedelta(days=5))
    record(store, known["manager"], item("Huddles start late", solution="Huddle at 9:15"),
           day=TODAY - timedelta(days=6))
    return meetings


def test_the_same_solution_from_several_offices_is_one_group(org_store, known):
    meetings = _same_solution_in_three_offices(org_store, known)
    found, total = playbook.groups(org_store, known["staff"])
    assert total == 2 and [(g["times"], g["offices"]) for g in found] == [(4, 3), (1, 1)]
    newest = found[0]
    assert newest["office"] == list(meetings)[2] and newest["first_day"] == TODAY - timedelta(days=5)
    # the source is the newest entry the reader may open: the staff read their team's and their office's minutes
    assert (newest["source"], newest["source_id"]) == ("minutes", meetings["Kuala Lumpur"])
    assert newest["source_day"] == TODAY - timedelta(days=3)
    assert playbook.groups(org_store, someone(org_store, "staff", office_id=4))[0][0]["source"] is None
    assert playbook.groups(org_store, known["staff"], text="huddle")[1] == 1


def test_groups_come_a_page_at_a_time(org_store, known):
    manager = known["manager"]
    for n in range(5):
        record(org_store, manager, item(f"Problem {n}", solution=f"Solution {n}"), day=TODAY - timedelta(days=n))
    first, total = playbook.groups(org_store, manager, per_page=2)
    second, _ = playbook.groups(org_store, manager, page=2, per_page=2)
    last, _ = playbook.groups(org_store, manager, page=3, per_page=2)
    assert total == 5 and [g["problem"] for g in first + second + last] == [f"Problem {n}" for n in range(5)]
    assert playbook.groups(org_store, manager, page=4, per_page=2) == ([], 5)


def test_an_entry_opens_by_its_key_with_where_else_it_was_seen(org_store, known):
    meetings = _same_solution_in_three_offices(org_store, known)
    newest = playbook.groups(org_store, known["staff"])[0][0]
    row = playbook.entry(org_store, known["staff"], newest["key"])
    assert (row["problem"], row["source"], row["source_id"]) == (REFUND, "minutes", meetings[row["office"]])
    assert row["can_open"] is False  # another office's minutes: the solution is shown, its source is not
    assert row["times"] == 4 and sorted(row["seen_in"]) == sorted(meetings)
    assert playbook.entry(org_store, known["regional_manager"], newest["key"])["can_open"] is True
    for key in ("m999999", "x1", "m", "m1; DROP", ""):
        with pytest.raises(NotFound):
            playbook.entry(org_store, known["staff"], key)
