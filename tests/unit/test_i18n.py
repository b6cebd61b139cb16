"""board.i18n: which language a person sees, the pseudo-locale, plural forms, and dates, times and numbers in each
shipped locale (issue 17: "date and number formats per locale")."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from board import clock, i18n


@pytest.mark.parametrize(("setting", "browser", "default", "expected"), [
    ("pl", "es-MX", "en", "pl"),       # the person's own choice first
    (None, "es-MX", "pl", "es"),       # then the browser's, by its language
    (None, "pt-BR", "pl", "pl"),       # a browser language we do not speak: the organisation's
    (None, None, None, "en"),
    ("xx", "de-DE", "fr", "en"),       # nothing known: English
    (None, "en-XA", "es", i18n.PSEUDO),
    (None, "PL_pl", "en", "pl"),
])
def test_the_language_is_the_persons_then_the_browsers_then_the_organisations(setting, browser, default, expected):
    assert i18n.choose(setting, browser, default) == expected


def test_the_pseudo_locale_changes_every_letter_but_keeps_placeholders_links_and_icons():
    text = "Suggestion #{number} is **now** [open](suggestion?id=3) :material/check: {status}."
    shown = i18n.pseudo(text)
    assert shown.startswith(i18n.PSEUDO_OPEN) and shown.endswith(i18n.PSEUDO_CLOSE)
    for kept in ("{number}", "](suggestion?id=3)", ":material/check:", "{status}", "**"):
        assert kept in shown
    outside = shown.replace("{number}", "").replace("{status}", "").replace("](suggestion?id=3)", "") \
        .replace(":material/check:", "")
    assert not any("a" <= ch.lower() <= "z" for ch in outside), outside
    assert len(shown) > len(text) * 1.3
    with i18n.using(i18n.PSEUDO):
        filled = i18n._("Suggestion #{number} is now {status}.", number=12, status="Planned")
    assert "12" in filled and "Planned" in filled and "Suggestion" not in filled


def test_polish_has_three_plural_forms_and_the_count_is_written_as_polish_writes_it():
    if not i18n.po_path("pl").exists():
        pytest.fail("no Polish catalogue")
    with i18n.using("pl"):
        forms = {n: i18n.ngettext("{n} suggestion", "{n} suggestions", n) for n in (1, 2, 5, 12, 22, 25, 12345)}
    assert forms[1] == "1 sugestia"
    assert forms[2] == forms[22].replace("22", "2") == "2 sugestie"  # 2-4, 22-24, ...
    assert forms[5] == "5 sugestii" and forms[12] == "12 sugestii" and forms[25] == "25 sugestii"
    assert forms[12345] == "12\xa0345 sugestii"


@pytest.mark.parametrize(("locale", "day", "number", "percent", "moment"), [
    ("en", "07 Dec 2026", "12,345.5", "26%", "07 Dec 2026 22:05 UTC+8"),
    ("es", "07 dic 2026", "12.345,5", "26\xa0%", "07 dic 2026 22:05 UTC+8"),
    ("pl", "07 gru 2026", "12\xa0345,5", "26%", "07 gru 2026 22:05 UTC+8"),
])
def test_dates_times_and_numbers_in_each_shipped_locale(locale, day, number, percent, moment):
    with i18n.using(locale, "Asia/Kuala_Lumpur"):
        assert clock.shown(datetime(2026, 12, 7, 9, 30), day_only=True) == day
        assert i18n.format_number(12345.5) == number
        assert i18n.format_percent(0.256) == percent
        assert clock.shown(datetime(2026, 12, 7, 14, 5), day_only=False) == moment


@pytest.mark.parametrize(("zone", "expected"), [
    ("Australia/Sydney", "08 Dec 2026 01:05 UTC+11"),       # summer time: the next day there
    ("America/Mexico_City", "07 Dec 2026 08:05 UTC-6"),
    ("Europe/Warsaw", "07 Dec 2026 15:05 UTC+1"),
    ("UTC", "07 Dec 2026 14:05 UTC"),
    ("Asia/Kolkata", "07 Dec 2026 19:35 UTC+5:30"),
    ("Not/AZone", "07 Dec 2026 14:05 UTC"),                   # an unknown zone: UTC, named
])
def test_a_time_is_shown_in_the_viewers_zone_and_names_it(zone, expected):
    with i18n.using("en"):
        i18n.set_zone(zone)
        assert clock.shown(datetime(2026, 12, 7, 14, 5), day_only=False) == expected
        assert i18n.today_in_zone(datetime(2026, 12, 7, 14, 5)) == date.fromisoformat(
            {"Australia/Sydney": "2026-12-08"}.get(zone, "2026-12-07"))


def test_an_anonymous_day_is_the_stored_day_in_every_zone():
    """Converting a day alone to a zone would invent a time of day (and could move it to another day)."""
    for zone in ("Australia/Sydney", "America/Mexico_City"):
        with i18n.using("en", zone):
            assert clock.shown(datetime(2026, 12, 7), day_only=True) == "07 Dec 2026"


def test_a_category_shows_the_name_the_admin_gave_it_in_the_viewers_language():
    names = {"system": {"es": "Sistemas", "pl": "Systemy"}}
    with i18n.using("es"):
        assert i18n.category_name("system", names) == "Sistemas"
        assert i18n.category_name("policy", names) == "policy"
    with i18n.using("en"):
        assert i18n.category_name("system", names) == "system"


def test_a_texts_language_is_named_in_the_viewers_language():
    with i18n.using("en"):
        assert i18n.language_of_text("es") == "Spanish"
    with i18n.using("es"):
        assert i18n.language_of_text("pl") == "polaco"
    assert i18n.language_of_text(None) == ""
