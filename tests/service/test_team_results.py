"""What people see of results: "you said, we did" (planned and implemented suggestions of their office, within
scope, anonymous ones without author) and staff seeing their own team's pulse figures for closed periods only,
under the same disclosure rules as its manager."""

from __future__ import annotations

from datetime import date

import pytest

from board.errors import NotAllowed
from board.feedback import triage
from board.morale import pulse
from board.reporting import reports
from tests.support.pulse import good, team_members
from tests.support.suggestions import submit, submit_released

DAY = date(2026, 11, 18)
LENGTH = 14
K = 5


def move(store, actor, suggestion_id: int, to: str, note: str = "") -> None:
    """Step a suggestion along the workflow to `to`, the note on the last step."""
    path = ("acknowledged", "under_review", "planned", "in_progress", "implemented")
    for status in path[:path.index(to) + 1]:
        triage.change_status(store, actor, suggestion_id, status, note=note if status == to else "")


def test_you_said_we_did_lists_what_was_planned_or_done_in_the_viewers_office_within_scope(org_store, known):
    staff, regional, leader = known["staff"], known["regional_manager"], known["leader"]
    care = team_members(org_store, known, "Customer Care")[0]
    done = submit(org_store, staff, key="done", title="Refunds under 20 dollars take ten days").id
    move(org_store, regional, done, "implemented", "Team leads now approve small refunds the same day.")
    anonymous = submit_released(org_store, care, key="anon", title="Queue music is far too loud").id
    move(org_store, regional, anonymous, "planned")
    triage.reply(org_store, regional, anonymous, "We will turn it down with the January release.")
    still_new = submit(org_store, staff, key="new", title="The break room needs a kettle").id
    declined = submit(org_store, staff, key="declined", title="Four day week for everyone").id
    triage.change_status(org_store, regional, declined, "declined", note="Not this year.")
    elsewhere = submit(org_store, leader, key="dublin", title="Dublin printers jam every morning").id
    move(org_store, leader, elsewhere, "implemented", "New printers arrived.")

    shown = reports.you_said_we_did(org_store, staff)
    assert [r["id"] for r in shown] == [anonymous, done]  # the latest move first
    assert {still_new, declined, elsewhere}.isdisjoint(r["id"] for r in shown)
    by_id = {r["id"]: r for r in shown}
    assert by_id[done]["author"] == staff.name and by_id[done]["own_team"]
    assert by_id[done]["what_changed"] == "Team leads now approve small refunds the same day."
    assert by_id[done]["status"] == "implemented" and by_id[done]["moved_on"] == date.today()
    assert by_id[anonymous]["author"] is None and not by_id[anonymous]["own_team"]
    assert by_id[anonymous]["what_changed"] == ""  # no note with the move: the latest answer says it
    assert by_id[anonymous]["latest_answer"] == "We will turn it down with the January release."
    assert [r["id"] for r in reports.you_said_we_did(org_store, leader)] == [elsewhere]  # their own office
    assert [r["id"] for r in reports.you_said_we_did(org_store, staff, limit=1)] == [anonymous]


def answer(store, people, today: date = DAY) -> None:
    for person in people:
        pulse.submit(store, person, good(mood=4, enps=10), today=today, length_days=LENGTH)


def close(store, today: date = DAY) -> None:
    pulse.close_due(store, pulse.period_bounds(today, LENGTH)[1])


def test_staff_see_their_own_teams_figures_for_a_closed_period_with_at_least_k_answers(org_store, known):
    billing = team_members(org_store, known, "Billing")
    assert len(billing) >= 6 and known["staff"] in billing
    answer(org_store, billing[:6])
    close(org_store)
    [latest] = reports.own_team_morale(org_store, known["staff"], k=K)
    start, end = pulse.period_bounds(DAY, LENGTH)
    assert (latest["starts_on"], latest["ends_on"]) == (start, date.fromordinal(end.toordinal() - 1))
    assert not latest["suppressed"] and (latest["responses"], latest["mood"], latest["enps"]) == (6, 4.0, 100)
    manager_view = [r for r in reports.morale(org_store, known["manager"], k=K, level="team")]
    assert [(r["responses"], r["mood"], r["enps"]) for r in manager_view] == [(6, 4.0, 100)]  # the same figures
    assert "comment" not in latest and "comments" not in latest


def test_staff_are_refused_their_teams_figures_below_k(org_store, known):
    answer(org_store, team_members(org_store, known, "Billing")[:3])
    answer(org_store, team_members(org_store, known, "Customer Care")[:6])
    close(org_store)
    [latest] = reports.own_team_morale(org_store, known["staff"], k=K)
    assert latest["suppressed"] and latest["responses"] is None and "mood" not in latest and "enps" not in latest


def test_staff_see_nothing_of_an_open_period(org_store, known):
    answer(org_store, team_members(org_store, known, "Billing")[:6], today=date.today())
    assert reports.own_team_morale(org_store, known["staff"], k=K) == []


def test_staff_see_no_other_teams_figures(org_store, known):
    answer(org_store, team_members(org_store, known, "Billing")[:6])
    close(org_store)
    colleague_elsewhere = team_members(org_store, known, "Customer Care")[0]
    [theirs] = reports.own_team_morale(org_store, colleague_elsewhere, k=K)
    assert theirs["suppressed"] and "mood" not in theirs  # Customer Care gave no answer: Billing's are not theirs
    assert reports.morale(org_store, known["staff"], k=K, level="team") == []  # the managers' view stays refused


def test_an_admin_gets_no_team_results(org_store, known):
    answer(org_store, team_members(org_store, known, "Billing")[:6])
    close(org_store)
    with pytest.raises(NotAllowed):
        reports.own_team_morale(org_store, known["admin"], k=K)


def test_settings_and_role_changes_read_in_words():
    assert (reports.readable_change("settings changed", '{"anonymity_k": 6, "ack_sla_days": 3}')
            == "Minimum group size: 6; Acknowledgement time: 3 working days")
    assert (reports.readable_change("person changed", "a@b.c: role regional_manager -> staff, active True -> False")
            == "a@b.c: role Regional manager → Staff, active yes → no")
    assert reports.readable_change("roster imported", "3 added") == "3 added"
    assert (reports.readable_change("settings changed", '{"weekly_digest_day": 4, "digest_hour": 7,'
                                    ' "pulse_reminders": ["start", "two_days_before_end"]}')
            == "Weekly digest day: Friday; Digests sent at: 07:00; "
               "Pulse reminders: At the start of the period, Two days before the end")
