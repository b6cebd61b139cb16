"""Every page, as every role that may open it, reads as written for people (issue 15, "Raw values"): no raw enum
value (in_progress, regional_manager, needs_follow_up), no None / nan / NaT, no snake_case header or word, no count
printed as a float (11.0), no time printed to the second or a day-only moment printed as 00:00, no table header left
as a lower-case column name. The text is
everything the page shows in AppTest: titles, text, markdown, captions, alerts, metrics, widget labels and
options, expander and tab labels, table headers and cells as the grid draws them, chart titles and categories
(tests/support/readable.py). The item pages are opened on real items of the demo organisation in each role's
scope: the richest named and anonymous suggestion, minutes, an action and a playbook entry."""

from __future__ import annotations

import pytest

from board.org.access import PAGE_ROLES, ROLES
from tests.support.pages import open_page
from tests.support.readable import Piece, demo_items, pieces, problems, visits

ITEM_VISITS = ("suggestion?id", "suggestion?id (anonymous)", "minutes?id", "action?id", "playbook?entry")
VISIT_NAMES = (*PAGE_ROLES, *ITEM_VISITS)
OPTIONAL = ("suggestion?id (anonymous)", "playbook?entry")  # opened only where the demo has one in scope


def _report(found: dict[str, list]) -> str:
    return "\n".join(f"  as {role}:\n" + "\n".join(f"    - {problem}" for problem in problems_)
                     for role, problems_ in found.items() if problems_)


@pytest.mark.parametrize("visit", VISIT_NAMES)
def test_every_role_reads_the_page_written_for_people(demo_store, known, visit):
    found, opened = {}, []
    for role in ROLES:
        if visit in PAGE_ROLES:
            chosen = [(visit, {})] if role in PAGE_ROLES[visit] else []
        else:  # an item page: on the richest item of its kind that this role may open
            chosen = [(page, query) for name, page, query in visits(role, demo_items(demo_store, known[role]))
                      if name == visit]
        for page, query in chosen:
            at = open_page(demo_store, known[role], page, query=query or None)
            shown = pieces(at)
            assert any(p.text.strip() for p in shown), f"{visit} as {role} showed nothing to read"
            found[role] = problems(shown)
            opened.append(role)
    assert opened or visit in OPTIONAL, f"no role opened {visit}"
    assert not any(found.values()), f"{visit}: text not written for people\n{_report(found)}"


# --- the scan itself catches what it is for -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "alone", "rule"), [
    ("Status: in_progress", False, "raw value 'in_progress'"),
    ("Regional_manager · Billing", False, "raw value 'Regional_manager'"),
    ("days_waiting", False, "snake_case word 'days_waiting'"),
    ("owner: None", False, "None shown"),
    ("None", True, "None shown"),
    ("mood nan", False, "missing value shown"),
    ("11.0", True, "count printed as a float"),
    ("5 people answered, from 11.0 answers", False, "count printed as a float"),
    ("Responses: 11.0", False, "count printed as a float"),
    ("replied 2026-11-01 00:00:00", False, "time printed to the second"),
    ("2026-11-01 00:00 · Anonymous author", False, "midnight time"),
    ("planned", True, "raw value 'planned'"),
    ("org", True, "raw value 'org'"),
])
def test_the_scan_finds_text_not_written_for_people(text, alone, rule):
    found = problems([Piece("test", text, alone=alone)])
    assert any(p.rule.startswith(rule) for p in found), found


def test_a_table_header_left_as_a_column_name_is_found():
    headers = [Piece("t", text, header=True) for text in ("kind", "Kind", "eNPS", "Days waiting")]
    assert [(p.rule, p.text) for p in problems(headers)] == [("header written as a column name (lower case)", "kind")]


@pytest.mark.parametrize("text", [
    "None of your suggestions is waiting.", "It is planned for next week.", "Status: In progress",
    "Regional manager", "50.0% answered", "mood 4.05", "Mood 4.0 out of 5", "4.0 out of 5", "2026-11-01 14:05",
    "02 Dec 2026",
    "Write to first_name.last@example.com", "See https://example.com/a_b", "New", "#1078",
])
def test_the_scan_passes_text_written_for_people(text):
    assert problems([Piece("test", text), Piece("test", text, alone=True)]) == []
