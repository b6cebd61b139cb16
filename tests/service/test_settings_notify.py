"""The notification settings: the organisation's time zone, the digest hour and day, the pulse reminder steps;
defaults, per-field validation, saved by admins and audited, left alone by a form that does not show them."""

from __future__ import annotations

import pytest

from board.errors import Invalid
from board.org import audit, settings


def save(store, admin, **notify):
    """Save with the other settings as they are."""
    current = settings.load(store)
    return settings.save(store, admin, anonymity_k=current.anonymity_k, ack_sla_days=current.ack_sla_days,
                         categories=current.categories, pulse_period_days=current.pulse_period_days,
                         session_days=current.session_days, **notify)


def test_defaults_send_at_eight_utc_on_mondays_with_every_reminder(store):
    current = settings.load(store)
    assert (current.time_zone, current.digest_hour, current.weekly_digest_day) == ("UTC", 8, 0)
    assert current.pulse_reminders == ("start", "halfway", "two_days_before_end") == tuple(settings.REMINDER_STEPS)
    assert settings.WEEKDAYS[current.weekly_digest_day] == "Monday"


def test_time_zones_are_the_iana_names_sorted():
    zones = settings.time_zones()
    assert {"UTC", "Asia/Kuala_Lumpur", "Europe/Dublin", "America/Mexico_City"} <= set(zones)
    assert list(zones) == sorted(zones)


def test_admin_saves_them_and_the_change_is_audited(org_store, known):
    saved = save(org_store, known["admin"], time_zone="Asia/Kuala_Lumpur", digest_hour=0, weekly_digest_day=4,
                 pulse_reminders=["two_days_before_end", "start"])
    assert (saved.time_zone, saved.digest_hour, saved.weekly_digest_day) == ("Asia/Kuala_Lumpur", 0, 4)
    assert saved.pulse_reminders == ("start", "two_days_before_end")  # in the steps' order, whatever was given
    assert settings.load(org_store) == saved
    entry = audit.recent(org_store, known["admin"], 1)[0]
    assert '"time_zone": "Asia/Kuala_Lumpur"' in entry["detail"] and '"weekly_digest_day": 4' in entry["detail"]
    assert '"anonymity_k"' not in entry["detail"]  # unchanged settings are not listed


def test_no_reminders_at_all_is_a_choice(org_store, known):
    assert save(org_store, known["admin"], pulse_reminders=()).pulse_reminders == ()
    assert settings.load(org_store).pulse_reminders == ()


def test_a_save_without_them_keeps_them(org_store, known):
    """The settings form of an older page (and every existing caller) passes none of them: they stay."""
    save(org_store, known["admin"], time_zone="Europe/Lisbon", digest_hour=6, weekly_digest_day=2,
         pulse_reminders=("halfway",))
    after = settings.save(org_store, known["admin"], anonymity_k=7, ack_sla_days=3, categories=["policy"])
    assert after.anonymity_k == 7
    assert (after.time_zone, after.digest_hour, after.weekly_digest_day, after.pulse_reminders) == (
        "Europe/Lisbon", 6, 2, ("halfway",))


@pytest.mark.parametrize("values, field, message", [
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Choose a time zone from the list."),
    ({"time_zone": ""}, "time_zone", "Choose a time zone from the list."),
    ({"time_zone": 8}, "time_zone", "Choose a time zone from the list."),
    ({"digest_hour": 24}, "digest_hour", "The digest hour is a whole hour from 0 to 23."),
    ({"digest_hour": -1}, "digest_hour", "The digest hour is a whole hour from 0 to 23."),
    ({"digest_hour": "8"}, "digest_hour", "The digest hour is a whole hour from 0 to 23."),
    ({"digest_hour": True}, "digest_hour", "The digest hour is a whole hour from 0 to 23."),
    ({"weekly_digest_day": 7}, "weekly_digest_day", "Choose the day of the week the weekly digest goes out."),
    ({"pulse_reminders": ["start", "every_day"]}, "pulse_reminders", None),
    ({"pulse_reminders": "start"}, "pulse_reminders", None),
])
def test_each_invalid_value_is_named_and_nothing_is_saved(org_store, known, values, field, message):
    before = settings.load(org_store)
    with pytest.raises(Invalid) as invalid:
        save(org_store, known["admin"], **{"weekly_digest_day": 3, **values})  # valid fields are not saved either
    assert list(invalid.value.errors) == [field]
    if message:
        assert invalid.value.errors[field] == message
    else:
        assert invalid.value.errors[field] == ("Choose pulse reminders among: at the start of the period, "
                                               "halfway through, two days before the end.")
    assert settings.load(org_store) == before


def test_errors_of_old_and_new_fields_come_together(org_store, known):
    with pytest.raises(Invalid) as invalid:
        settings.save(org_store, known["admin"], anonymity_k=1, ack_sla_days=5, categories=["policy"],
                      digest_hour=30, time_zone="Nowhere")
    assert set(invalid.value.errors) == {"anonymity_k", "digest_hour", "time_zone"}


def test_validate_notify_accepts_the_defaults():
    assert settings.validate_notify() == {}
    assert settings.validate_notify(**settings.Settings().notify_values) == {}
