"""The workflow rules and working-day arithmetic (pure functions, checked over many dates)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.feedback import workflow

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def test_every_open_status_moves_one_step_or_closes():
    assert workflow.allowed_transitions("new") == ("acknowledged", "declined", "duplicate")
    assert workflow.allowed_transitions("in_progress") == ("implemented", "declined", "duplicate")
    for closed in ("implemented", "declined", "duplicate"):
        assert workflow.allowed_transitions(closed) == ()


def test_refusal_names_the_allowed_transitions():
    assert workflow.transition_error("new", "planned") == "From new it can go to: acknowledged, declined, duplicate."
    assert "can no longer change" in workflow.transition_error("declined", "new")
    assert workflow.transition_error("planned", "in_progress") is None


def test_escalation_goes_up_one_level():
    assert [workflow.escalation_target(level) for level in workflow.LEVELS] == ["region", "region", "leadership", None]


@given(DAYS, st.integers(0, 40))
def test_adding_working_days_lands_on_a_weekday_that_many_working_days_later(start, days):
    end = workflow.add_working_days(start, days)
    assert workflow.working_days_between(start, end) == days
    assert days == 0 or end.weekday() < 5


@given(DAYS, DAYS)
def test_working_days_match_counting_one_by_one(start, end):
    expected = sum(1 for i in range(1, (end - start).days + 1) if (start + timedelta(days=i)).weekday() < 5)
    assert workflow.working_days_between(start, end) == max(expected, 0)


@given(DAYS, DAYS, st.integers(1, 20))
def test_sla_cutoff_marks_exactly_the_suggestions_past_the_sla(created, today, sla):
    overdue = created < workflow.sla_cutoff(today, sla)
    assert overdue == (workflow.working_days_between(created, today) > sla)


def test_the_path_to_a_target_passes_every_step_in_order():
    assert workflow.path_to("new", "planned") == ("acknowledged", "under_review", "planned")
    assert workflow.path_to("new", "implemented") == workflow.PATH[1:]
    assert workflow.path_to("under_review", "declined") == ("declined",)  # closing is one step from anywhere open
    assert workflow.path_to("planned", "planned") == ()
    assert workflow.path_to("planned", "new") is None and workflow.path_to("implemented", "declined") is None


def test_reachable_targets_are_every_later_step_and_the_closing_ones():
    assert workflow.reachable("new") == workflow.STATUSES[1:]
    assert workflow.reachable("in_progress") == ("implemented", "declined", "duplicate")
    assert all(workflow.reachable(closed) == () for closed in ("implemented", "declined", "duplicate"))


def test_an_unreachable_target_names_the_reachable_ones():
    assert workflow.path_error("planned", "new") == ("From planned it can go to: in progress, implemented, declined,"
                                                     " duplicate.")
    assert "can no longer change" in workflow.path_error("duplicate", "new")
    assert workflow.path_error("new", "implemented") is None


@pytest.mark.parametrize("start", workflow.STATUSES)
def test_every_path_is_made_of_allowed_transitions_and_is_the_shortest(start):
    for target in workflow.STATUSES:
        path = workflow.path_to(start, target)
        if not path:
            assert (path == ()) == (start == target) and target not in workflow.reachable(start)
            continue
        for before, after in zip((start, *path[:-1]), path, strict=True):
            assert after in workflow.allowed_transitions(before)
        assert len(path) == (1 if target in workflow.CLOSING
                           else workflow.PATH.index(target) - workflow.PATH.index(start))
