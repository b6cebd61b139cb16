"""Actions, the playbook and the office overview through the real pages (AppTest): an action at /action?id=N and
closing it there, My actions as filtered cards, a leader's unit actions a page at a time, playbook entries grouped,
paged and opened by their link, and the overview's calendar months in words."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from board.clock import utcnow
from board.meetings import actions, playbook
from board.org import calendar, people
from board.reporting import export
from board.web.ui.months import month_label, months_back
from tests.support.minutes import action, document, draft, item, publish
from tests.support.pages import by_label, errors, open_page, texts

TODAY = date.today()


def links(at: AppTest) -> list[tuple[str, str, str]]:
    """(label, page url path, query) of every page link shown."""
    return [(link.proto.label, link.proto.page, link.proto.query_string) for link in at.get("page_link")]


def record(store, author, *items, day=TODAY) -> int:
    meeting_id = draft(store, author)
    publish(store, author, meeting_id, document(author, *items, day=day))
    return meeting_id


def three_actions(store, known) -> tuple[int, list[dict]]:
    """The staff's actions from a meeting ten days ago: overdue by 2 days, due in a week, and one already done
    (by the local day of the staff's office, Kuala Lumpur, which the pages count from)."""
    staff = known["staff"]
    local = calendar.load(store).of(staff.office_id).today(utcnow())
    meeting_id = record(store, known["manager"], item(acts=[
        action(staff, local - timedelta(days=2), "Call the printer vendor"),
        action(staff, local + timedelta(days=7), "Ask finance for the refund numbers"),
        action(staff, local + timedelta(days=8), "Book the training room")]), day=local - timedelta(days=10))
    mine = actions.mine(store, staff, today=local)
    actions.close(store, staff, mine[-1]["id"], "done")
    return meeting_id, mine


def cards(at: AppTest) -> list[str]:
    """The description on each action card, in order (the line before its status line)."""
    lines = [t.value for t in at.text]
    return [lines[i - 1] for i, line in enumerate(lines) if re.match(r"(Open|Done|Dropped) · ", line)]


# --- one action -----------------------------------------------------------------------------------------------

def test_an_action_page_shows_what_who_when_and_the_meeting_as_a_link(org_store, known):
    meeting_id, mine = three_actions(org_store, known)
    later = mine[1]
    at = open_page(org_store, known["staff"], "action", query={"id": later["id"]})
    shown = texts(at)
    assert "Ask finance for the refund numbers" in shown and "Owner: Sam Staff" in shown
    assert f"Open · due {later['due_date']:%d %b %Y}" in shown
    meeting_day = later["meeting_date"]
    assert (f"From the meeting of {meeting_day:%d %b %Y}", "minutes", f"id={meeting_id}") in links(at)
    assert "Agreed, open by Maya Manager" in shown
    assert by_label(at.radio, "Mark it").options == ["Done", "Dropped"]


def test_an_overdue_action_says_by_how_many_days(org_store, known):
    _, mine = three_actions(org_store, known)
    at = open_page(org_store, known["manager"], "action", query={"id": mine[0]["id"]})
    assert "Open · overdue by 2 days" in texts(at)


@pytest.mark.parametrize("who", ["other_team", "no_such_action"])
def test_an_action_outside_the_viewers_scope_is_refused(org_store, known, who):
    _, mine = three_actions(org_store, known)
    with org_store.read() as con:
        outsider = con.scalar("SELECT id FROM people WHERE role = 'staff' AND team_id = 2 AND active LIMIT 1")
    viewer = people.get_person(org_store, outsider) if who == "other_team" else known["staff"]
    action_id = mine[1]["id"] if who == "other_team" else 999_999
    at = open_page(org_store, viewer, "action", query={"id": action_id})
    assert any("not allowed to read this action" in e for e in errors(at))
    assert "Ask finance" not in texts(at) and not at.radio


def test_the_owner_drops_an_action_from_its_page_with_a_note(org_store, known):
    _, mine = three_actions(org_store, known)
    at = open_page(org_store, known["staff"], "action", query={"id": mine[1]["id"]})
    by_label(at.radio, "Mark it").set_value("dropped")
    at.button(key="FormSubmitter:close_action-Save").click().run()
    assert "Say why the action is dropped." in errors(at)
    assert actions.get(org_store, known["staff"], mine[1]["id"], today=TODAY)["status"] == "open"

    by_label(at.text_area, "Note (required when dropped)").input("Finance sent the numbers anyway")
    at.button(key="FormSubmitter:close_action-Save").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Saved: the action is marked dropped."]
    shown = texts(at)
    assert "Dropped · dropped on" in shown and "Note: Finance sent the numbers anyway" in shown
    assert not at.radio  # nothing left to close
    assert actions.get(org_store, known["staff"], mine[1]["id"], today=TODAY)["status"] == "dropped"


def test_a_reader_who_may_not_close_an_action_gets_no_form(org_store, known):
    _, mine = three_actions(org_store, known)
    at = open_page(org_store, known["leader"], "action", query={"id": mine[1]["id"]})
    assert "Ask finance for the refund numbers" in texts(at) and not at.radio


# --- My actions -----------------------------------------------------------------------------------------------

def test_my_actions_are_cards_filtered_by_status_and_overdue(org_store, known):
    _, mine = three_actions(org_store, known)
    at = open_page(org_store, known["staff"], "my_actions")
    assert cards(at) == ["Call the printer vendor", "Ask finance for the refund numbers"]
    assert not at.dataframe  # cards, not a grid, on a phone
    assert ("Open this action", "action", f"id={mine[0]['id']}") in links(at)
    assert "Open · overdue by 2 days" in texts(at)

    by_label(at.radio, "Show").set_value("done").run()
    assert cards(at) == ["Book the training room"]
    by_label(at.radio, "Show").set_value("all").run()
    assert len(cards(at)) == 3
    by_label(at.toggle, "Overdue only").set_value(True).run()
    assert cards(at) == ["Call the printer vendor"]


def test_a_leaders_unit_actions_come_a_page_at_a_time_and_narrow_by_unit(demo_store, known):
    leader = known["leader"]
    team = actions.team_open(demo_store, leader, today=TODAY)
    units = actions.team_units(demo_store, leader, today=TODAY)
    assert len(team) > 20 and len(units) > 1
    at = open_page(demo_store, leader, "my_actions")
    shown = texts(at)
    assert f"{len(team)} open, {sum(u['overdue'] for u in units)} overdue" in shown
    assert f"1-10 of {len(team)} actions · page 1 of {-(-len(team) // 10)}" in shown
    assert sum(label == "Open this action" for label, _, _ in links(at)) <= 10 + len(actions.mine(
        demo_store, leader, today=TODAY))
    table = next(d.value for d in at.dataframe)
    assert list(table.columns) == ["Unit", "Open", "Overdue"] and sum(table["Open"]) == len(team)

    at.button(key="team__next").click().run()
    assert f"11-20 of {len(team)} actions" in texts(at)

    busiest = units[0]
    at.selectbox(key="team_unit").set_value((busiest["office_id"], busiest["team_id"])).run()
    assert f"of {busiest['open']} actions" in texts(at) or busiest["open"] <= 10
    assert f"11-20 of {len(team)}" not in texts(at)  # a new filter starts at its first page
    at.toggle(key="team_overdue").set_value(True).run()
    assert not at.exception


# --- playbook -------------------------------------------------------------------------------------------------

def entry_links(at: AppTest) -> list[str]:
    return [query.removeprefix("entry=") for label, _, query in links(at) if label == "Open this entry"]


def test_the_playbook_groups_the_same_solution_and_shows_ten_at_a_time(demo_store, known):
    staff = known["staff"]
    first, total = playbook.groups(demo_store, staff)
    entries = len(playbook.search(demo_store, staff, limit=100_000))
    assert total < entries  # the demo's near-identical entries are one card each
    at = open_page(demo_store, staff, "playbook")
    shown = texts(at)
    assert f"{total} solution(s)" in shown
    assert entry_links(at) == [g["key"] for g in first] and len(first) == 10
    assert f"Seen in {first[0]['offices']} offices, {first[0]['times']} times" in shown

    at.button(key="playbook__next").click().run()
    second, _ = playbook.groups(demo_store, staff, page=2)
    assert entry_links(at) == [g["key"] for g in second] and set(second[0]) and second != first

    at.text_input[0].input("refund").run()  # a new search starts on the first page
    assert entry_links(at) == [g["key"] for g in playbook.groups(demo_store, staff, text="refund")[0]]


def test_a_playbook_entry_link_opens_that_entry(demo_store, known):
    staff = known["staff"]
    group = playbook.groups(demo_store, staff)[0][0]
    at = open_page(demo_store, staff, "playbook", query={"entry": group["key"]})
    shown = texts(at)
    assert group["problem"] in shown and "Solution: " + group["solution"] in shown
    assert "Open this entry" not in [label for label, _, _ in links(at)]  # the one entry, not the list
    entry = playbook.entry(demo_store, staff, group["key"])
    page = "minutes" if entry["source"] == "minutes" else "suggestion"
    source = [(page, query) for _, page, query in links(at)]
    assert source == ([(page, f"id={entry['source_id']}")] if entry["can_open"] else [])

    at.button[0].click().run()  # the whole playbook
    assert len(entry_links(at)) == 10


def test_a_playbook_entry_shows_its_source_link_to_a_reader_in_scope(demo_store, known):
    leader = known["leader"]  # reads every office's minutes
    group = playbook.groups(demo_store, leader)[0][0]
    at = open_page(demo_store, leader, "playbook", query={"entry": group["key"]})
    entry = playbook.entry(demo_store, leader, group["key"])
    page = "minutes" if entry["source"] == "minutes" else "suggestion"
    assert [(p, q) for _, p, q in links(at)] == [(page, f"id={entry['source_id']}")]


@pytest.mark.parametrize("key", ["zzz", "m999999"])
def test_an_unknown_playbook_entry_says_so(demo_store, known, key):
    at = open_page(demo_store, known["staff"], "playbook", query={"entry": key})
    assert errors(at) == ["There is no such playbook entry."]


# --- office overview ------------------------------------------------------------------------------------------

def test_the_overview_shows_every_calendar_month_and_the_current_one_so_far(demo_store, known):
    at = open_page(demo_store, known["regional_manager"], "overview")
    held = at.dataframe[0].value
    labels = [month_label(m, TODAY) for m in months_back(TODAY, 6)]
    assert list(held.columns) == ["Office", *labels]  # one region: no column for it
    assert labels[-1] == f"{TODAY:%b %Y} (so far)" and len(set(labels)) == 6
    by_label(at.slider, "Months").set_value(18).run()
    assert len(at.dataframe[0].value.columns) == 1 + 18


def test_the_overview_is_written_in_words(demo_store, known, monkeypatch):
    sent = []
    real = export.to_csv
    monkeypatch.setattr(export, "to_csv", lambda frame: sent.append(frame) or real(frame))
    at = open_page(demo_store, known["leader"], "overview")
    figures = at.dataframe[-1].value
    assert list(figures.columns) == ["Region", "Office", "Month", "Meetings held", "Problems discussed",
                                     "Solutions recorded", "Actions due", "Actions closed on time"]
    for frame in (d.value for d in at.dataframe):
        assert not any("_" in str(c) for c in frame.columns)
        cells = frame.astype(str).to_numpy().ravel()
        assert not {"None", "nan", "NaN", "<NA>"} & set(cells)
    assert all(re.fullmatch(r"\d{1,3}%|no action due", str(v)) for v in figures["Actions closed on time"])
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}( \(so far\))?", str(v)) for v in figures["Month"])

    csv = sent[-1]
    assert list(csv.columns)[-1] == "Actions closed on time (%)" and not any("_" in c for c in csv.columns)
    assert not csv.isna().to_numpy().any() and isinstance(csv, pd.DataFrame)
