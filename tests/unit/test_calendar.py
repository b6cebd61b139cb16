"""Office calendar arithmetic (pure): working days across weekends and holidays, a Sunday-to-Thursday week, local
days where the UTC date differs, acknowledgement deadlines as stored moments, and the per-office SQL values."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from board.feedback import workflow
from board.org.calendar import ByOffice, Calendars, OfficeCalendar, office_sql

WEEKDAYS = OfficeCalendar()
GULF = OfficeCalendar("Asia/Dubai", frozenset({6, 0, 1, 2, 3}))  # Sunday to Thursday
WARSAW = OfficeCalendar("Europe/Warsaw", holidays=frozenset({date(2026, 11, 11), date(2026, 12, 24),
                                                            date(2026, 12, 25)}))
SYDNEY = OfficeCalendar("Australia/Sydney")
MEXICO = OfficeCalendar("America/Mexico_City")


@pytest.mark.parametrize("start, days, expected", [
    (date(2026, 11, 6), 1, date(2026, 11, 9)),  # Friday + 1 = Monday
    (date(2026, 11, 7), 1, date(2026, 11, 9)),  # Saturday + 1 = Monday
    (date(2026, 11, 6), 5, date(2026, 11, 13)),
    (date(2026, 11, 6), 0, date(2026, 11, 6)),
])
def test_working_days_skip_the_weekend(start, days, expected):
    assert WEEKDAYS.add_working_days(start, days) == expected
    assert workflow.add_working_days(start, days) == expected  # the Monday-to-Friday wrapper is the same rule


def test_holidays_are_not_working_days():
    assert not WARSAW.is_working_day(date(2026, 11, 11)) and WARSAW.is_working_day(date(2026, 11, 12))
    assert WARSAW.add_working_days(date(2026, 11, 10), 1) == date(2026, 11, 12)  # over Independence Day
    assert WARSAW.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)  # Christmas Eve, Day, weekend
    assert WARSAW.working_days_between(date(2026, 11, 9), date(2026, 11, 13)) == 3
    assert WEEKDAYS.working_days_between(date(2026, 11, 9), date(2026, 11, 13)) == 4


def test_a_sunday_to_thursday_week():
    friday, saturday, sunday = date(2026, 11, 13), date(2026, 11, 14), date(2026, 11, 15)
    assert not GULF.is_working_day(friday) and not GULF.is_working_day(saturday) and GULF.is_working_day(sunday)
    assert GULF.add_working_days(date(2026, 11, 12), 1) == sunday  # Thursday + 1 = Sunday
    assert GULF.sla_cutoff(sunday, 1) == date(2026, 11, 12)  # the working day before Sunday is Thursday
    assert GULF.working_days_between(date(2026, 11, 12), sunday) == 1


@pytest.mark.parametrize("calendar", [WEEKDAYS, WARSAW, GULF])
@pytest.mark.parametrize("offset", range(0, 40, 3))
def test_counting_agrees_with_adding(calendar, offset):
    start = date(2026, 11, 1) + timedelta(days=offset)
    for n in range(0, 12):
        end = calendar.add_working_days(start, n)
        assert calendar.working_days_between(start, end) == n
        if n and calendar.is_working_day(start):
            assert calendar.sla_cutoff(end, n) == start


def test_sydney_morning_is_the_previous_utc_day():
    now = datetime(2026, 11, 9, 21, 30)  # Monday 21:30 UTC = Tuesday 08:30 in Sydney
    assert SYDNEY.today(now) == date(2026, 11, 10) and WEEKDAYS.today(now) == date(2026, 11, 9)


def test_mexico_city_evening_is_the_next_utc_day():
    now = datetime(2026, 11, 7, 1, 0)  # Saturday 01:00 UTC = Friday 19:00 in Mexico City
    assert MEXICO.today(now) == date(2026, 11, 6) and MEXICO.is_working_day(MEXICO.today(now))
    assert not WEEKDAYS.is_working_day(WEEKDAYS.today(now))


def test_the_deadline_is_the_local_midnight_as_a_stored_moment():
    assert SYDNEY.midnight(date(2026, 11, 10)) == datetime(2026, 11, 9, 13, 0)  # AEDT, UTC+11
    assert MEXICO.midnight(date(2026, 11, 10)) == datetime(2026, 11, 10, 6, 0)  # UTC-6
    assert SYDNEY.sla_deadline(date(2026, 11, 11), 1) == datetime(2026, 11, 9, 13, 0)


def test_an_unknown_zone_or_an_empty_week_falls_back_instead_of_failing():
    odd = OfficeCalendar("Nowhere/Atlantis", frozenset())
    assert odd.today(datetime(2026, 11, 9, 23, 0)) == date(2026, 11, 9)
    assert odd.working_days == workflow.OfficeCalendar().working_days


def test_calendars_give_each_office_its_day_and_the_earliest_one():
    now = datetime(2026, 11, 9, 21, 30)
    calendars = Calendars({1: SYDNEY, 2: MEXICO}, WEEKDAYS)
    days = calendars.days(now=now)
    assert (days.get(1), days.get(2), days.get(99)) == (date(2026, 11, 10), date(2026, 11, 9), date(2026, 11, 9))
    assert calendars.earliest_today(now) == date(2026, 11, 9)
    assert calendars.days(today=date(2026, 1, 5)).get(1) == date(2026, 1, 5)


def test_office_sql_is_one_parameter_when_every_office_agrees_and_a_case_otherwise():
    day = date(2026, 11, 9)
    assert office_sql(day, "office_id", "DATE") == ("?", (day,))
    assert office_sql(ByOffice(((1, day), (2, day)), day), "office_id", "DATE") == ("?", (day,))
    sql, params = office_sql(ByOffice(((1, day + timedelta(days=1)), (2, day), (3, day)), day), "s.office_id", "DATE")
    assert sql == "CASE WHEN s.office_id IN (?) THEN CAST(? AS DATE) ELSE CAST(? AS DATE) END"
    assert params == (1, day + timedelta(days=1), day)
