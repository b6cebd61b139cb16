"""The workflow rules and working-day arithmetic (pure functions, checked over many dates)."""

from __future__ import annotations

from datetime import date, timedelta

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
