"""Home and the pulse page through the real app (AppTest): Home words each role's place, shows its to-dos as
cards of links and what changed because of the office's suggestions; staff see their own team's closed-period
pulse figures when the team is large enough, and nothing else."""

from __future__ import annotations

import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from board.feedback import triage
from board.morale import pulse
from board.org import settings
from tests.support.pages import open_page
from tests.support.pulse import good, team_members
from tests.support.suggestions import submit

DAY = date(2026, 11, 18)  # a past period, closed by the page itself
LENGTH = 14


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def links_to(at: AppTest) -> list[tuple[str, str, str]]:
    """(label, where it goes, icon) of every page link."""
    return [(link.proto.label, f"{link.proto.page}?{link.proto.query_string}".rstrip("?"), link.proto.icon)
            for link in at.get("page_link")]


@pytest.mark.parametrize(("role", "place"), [
    ("staff", "Staff in Billing, Kuala Lumpur"), ("manager", "Manager of Billing, Kuala Lumpur"),
    ("regional_manager", "Regional manager for "), ("leader", "Leader of the whole organisation."),
    ("admin", "Admin. Your own suggestions and pulse answers count with ")])
def test_home_words_each_roles_place_and_a_team_only_for_roles_that_work_in_one(org_store, known, role, place):
    person = known[role]
    at = open_page(org_store, person)
    welcome = texts(at)[0]
    assert welcome.startswith(f"Welcome, {person.name}.\n{place}")
    has_team = role in ("staff", "manager", "admin")
    assert any(t.startswith("Your team has") for t in texts(at)) == has_team
    if not has_team:  # the roster team is only where they are filed: never named as theirs
        assert person.team not in welcome


@pytest.mark.parametrize("role", ["staff", "manager", "regional_manager", "leader", "admin"])
def test_home_links_have_icons_short_labels_and_tables_have_headers_in_words(org_store, known, role):
    at = open_page(org_store, known[role])
    todo = [(label, icon) for label, target, icon in links_to(at) if not target.startswith("suggestion")]
    assert todo and all(icon for _, icon in todo)
    assert all(len(label) <= 34 for label, _ in todo), todo  # fits a phone's width, never cut off
    assert any(label == "Raise a suggestion" for label, _ in todo)
    for frame in at.dataframe:
        headers = list(frame.value.columns)
        assert not [h for h in headers if re.search(r"[a-z]_[a-z]", str(h)) or str(h) != str(h).strip()], headers
        assert all(str(h)[:1].isupper() for h in headers), headers
        assert not frame.value.isna().any().any() and "None" not in frame.value.astype(str).to_numpy()


def test_you_said_we_did_on_home_links_what_changed_in_the_office_only(org_store, known):
    staff, regional, leader = known["staff"], known["regional_manager"], known["leader"]
    done = submit(org_store, staff, key="done", title="Refunds under 20 dollars take ten days").id
    for status in ("acknowledged", "under_review", "planned", "in_progress", "implemented"):
        triage.change_status(org_store, regional, done, status,
                             note="Team leads approve small refunds now." if status == "implemented" else "")
    elsewhere = submit(org_store, leader, key="dublin", title="Dublin printers jam every morning").id
    triage.change_status(org_store, leader, elsewhere, "acknowledged")
    triage.change_status(org_store, leader, elsewhere, "under_review")
    triage.change_status(org_store, leader, elsewhere, "planned")
    at = open_page(org_store, staff)
    assert "You said, we did" in [s.value for s in at.subheader]
    assert f"#{done} Refunds under 20 dollars take ten days" in texts(at)
    assert "What changed: Team leads approve small refunds now." in texts(at)
    assert any(c.value.startswith(f"Implemented on {date.today():%d %b %Y}") for c in at.caption)
    assert (f"Open suggestion #{done}", f"suggestion?id={done}") in [(lbl, t) for lbl, t, _ in links_to(at)]
    assert not any("Dublin printers" in t for t in texts(at))
    leaders = open_page(org_store, leader)
    assert any("Dublin printers" in t for t in texts(leaders)) and not any("Refunds under" in t for t in texts(leaders))


def test_the_admins_recent_changes_read_in_words(org_store, known):
    admin = known["admin"]
    current = settings.load(org_store)
    settings.save(org_store, admin, anonymity_k=6, ack_sla_days=current.ack_sla_days,
                  categories=list(current.categories))
    at = open_page(org_store, admin)
    recent = next(f.value for f in at.dataframe if "Details" in f.value.columns)
    assert list(recent.columns) == ["When", "Who", "What", "Details"]
    assert recent.iloc[0]["What"] == "Settings changed" and recent.iloc[0]["Details"] == "Minimum group size: 6"
    assert re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d UTC([+-]\d+(:\d\d)?)?", recent.iloc[0]["When"])


# --- the pulse page: staff see their own team's figures of closed periods -------------------------------

def answered(store, people) -> None:
    for person in people:
        pulse.submit(store, person, good(mood=4, enps=10), today=DAY, length_days=LENGTH)


def team_results(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader if s.value.startswith("Your team's results")]


def test_staff_see_their_teams_results_for_a_closed_period_in_words(org_store, known):
    answered(org_store, team_members(org_store, known, "Billing")[:6])
    at = open_page(org_store, known["staff"], "pulse")
    start, end = pulse.period_bounds(DAY, LENGTH)
    last = date.fromordinal(end.toordinal() - 1)
    assert team_results(at) == [f"Your team's results for {start:%d %b} to {last:%d %b %Y}"]
    assert [(m.label, m.value) for m in at.metric] == [("Mood (1 = very bad, 5 = very good)", "4.0 out of 5"),
                                                        ("eNPS (from -100 to +100)", "+100")]
    assert any(t.startswith("6 people in your team answered.") for t in texts(at))
    assert not at.dataframe and not any("Comment" in s.value for s in at.subheader)  # figures only


def test_staff_are_told_why_their_teams_results_are_not_shown_below_k(org_store, known):
    answered(org_store, team_members(org_store, known, "Billing")[:3])
    answered(org_store, team_members(org_store, known, "Customer Care")[:6])
    at = open_page(org_store, known["staff"], "pulse")
    k = settings.load(org_store).anonymity_k
    assert len(team_results(at)) == 1 and not at.metric
    assert f"Not shown: fewer than {k} people answered." in [i.value for i in at.info]


def test_staff_see_no_results_while_the_period_is_open(org_store, known):
    for person in team_members(org_store, known, "Billing")[:6]:
        pulse.submit(org_store, person, good(), today=date.today(), length_days=LENGTH)
    at = open_page(org_store, known["staff"], "pulse")
    assert team_results(at) == ["Your team's results"] and not at.metric
    assert any("No period has closed yet" in c.value for c in at.caption)


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_the_staff_team_view_is_not_shown_to_an_admin_or_a_manager(org_store, known, role):
    answered(org_store, team_members(org_store, known, "Billing")[:6])
    at = open_page(org_store, known[role], "pulse")
    assert not team_results(at)
    if role == "admin":
        assert not at.metric and not at.dataframe
