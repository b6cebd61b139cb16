"""Each shipped language end to end in chromium (issue 17: "a browser test per shipped language"): a staff member
of an office whose people speak it (Mexico City in Spanish, Warsaw in Polish, Sydney in English) opens the app in a
browser set to that language, signs in, raises a suggestion and sees its page, with times in their office's zone,
named; then their manager opens the dashboards in that language. Nobody chose a language: the browser's is used.

Every expected text is the catalogue's own translation (board.i18n, in the test's thread), and a shipped language's
texts must differ from the English ones here, so a page that fell back to English fails.

Screenshots (desktop 1366x900, phone 390x844) go to tests/artifacts/languages/ (git-ignored)."""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from board import i18n
from board import store as db
from board.i18n import _
from board.org import accounts
from tests.browser.conftest import LOCAL_ONLY, LiveApp, live_app, open_page, sidebar, wait_idle
from tests.support import paths
from tests.support.browser_steps import DESKTOP, PHONE, SLOW_MS, main

ARTIFACTS = paths.ARTIFACTS / "languages"
PASSWORD = "a language test's password"
# locale -> (the browser's language, the office, its offset from UTC in December, as a time names it)
PEOPLE = {"es": ("es-MX", "Mexico City", "UTC-6"), "pl": ("pl-PL", "Warsaw", "UTC+1"),
          "en": ("en-AU", "Sydney", "UTC+11")}
RUN = secrets.token_hex(3)


def _people_of(store, office: str) -> dict[str, dict]:
    """A staff member of the office's first team and that team's manager."""
    with store.read() as con:
        found = {}
        for role in ("staff", "manager"):
            found[role] = con.one(
                "SELECT p.id, p.email, p.name FROM people p JOIN team_members tm ON tm.person_id = p.id"
                " JOIN teams t ON t.id = tm.team_id JOIN offices o ON o.id = t.office_id"
                " WHERE o.name = ? AND p.role = ? AND p.active AND t.name = 'Billing' ORDER BY p.id LIMIT 1",
                (office, role))
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_db_file) -> Iterator[tuple[LiveApp, dict[str, dict[str, dict]]]]:
    """One server on a copy of the demo where a staff member and their manager in each office can sign in."""
    workdir = tmp_path_factory.mktemp("languages")
    copy = workdir / "template.duckdb"
    shutil.copy(demo_db_file, copy)
    store = db.open_store(copy)
    hashed = accounts.hash_password(PASSWORD)
    people = {}
    for locale, (_browser, office, _offset) in PEOPLE.items():
        people[locale] = _people_of(store, office)
        for person in people[locale].values():
            accounts.store_password_hash(store, person["id"], hashed)
    db.close_store(copy)
    with live_app(workdir / "app", copy) as app:
        yield app, people


def _page(chromium, locale: str, size: dict[str, int]):
    context = chromium.new_context(viewport=size, locale=PEOPLE[locale][0])
    context.set_default_timeout(SLOW_MS)
    context.route(LOCAL_ONLY, lambda route: route.abort())
    return context, context.new_page()


def _in(locale: str, message: str, **values) -> str:
    """A text as the app shows it in the locale; a shipped language other than English must have its own."""
    with i18n.using(locale):
        shown = _(message, **values)
    if locale != i18n.SOURCE:
        assert shown != (message.format(**values) if values else message), f"{locale} has no translation of " \
                                                                           f"{message!r}"
    return shown


def _sign_in(page, app: LiveApp, locale: str, email: str) -> None:
    open_page(page, app.url)
    page.get_by_label(_in(locale, "Email"), exact=True).fill(email)
    page.get_by_label(_in(locale, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=_in(locale, "Sign in"), exact=True).click()
    expect(sidebar(page).get_by_role("button", name=_in(locale, "Sign out"))).to_be_visible(timeout=SLOW_MS)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize("locale", list(PEOPLE))
def test_staff_raise_a_suggestion_and_a_manager_reads_the_dashboards_in_their_language(chromium, server, locale):
    app, people = server
    staff, manager = people[locale]["staff"], people[locale]["manager"]
    title = {"es": "La cola de la recepción se congela cada mañana", "pl": "Kolejka w recepcji zawiesza się rano",
             "en": "The front desk queue screen freezes every morning"}[locale] + f" ({RUN})"
    context, page = _page(chromium, locale, DESKTOP)
    try:
        _sign_in(page, app, locale, staff["email"])
        expect(main(page).get_by_role("heading", name=_in(locale, "Home"))).to_be_visible()
        open_page(page, f"{app.url}/raise")
        expect(main(page).get_by_role("heading", name=_in(locale, "Raise a suggestion"))).to_be_visible()
        page.get_by_label(_in(locale, "Title"), exact=True).fill(title)
        page.get_by_label(_in(locale, "Description"), exact=True).fill(title + ". " + title + ".")
        page.get_by_role("button", name=_in(locale, "Continue"), exact=True).click()
        saved_text = _in(locale, "Saved as suggestion #{number}. You will see its updates in your Inbox and under "
                                 "My suggestions.", number="NUMBER")
        saved = page.get_by_text(re.compile(re.escape(saved_text.split("NUMBER")[0]) + r"\d+"))
        anyway = page.get_by_role("button", name=_in(locale, "Submit mine anyway"))
        expect(saved.or_(anyway)).to_be_visible(timeout=SLOW_MS)
        if anyway.is_visible():
            anyway.click()
            expect(saved).to_be_visible(timeout=SLOW_MS)
        number = re.search(re.escape(saved_text.split("NUMBER")[0]) + r"(\d+)", saved.inner_text()).group(1)
        _shot(page, f"{locale}-raised-desktop")

        open_page(page, f"{app.url}/suggestion?id={number}")
        expect(main(page).get_by_text(title).first).to_be_visible(timeout=SLOW_MS)
        wait_idle(page)
        body = main(page).inner_text()
        with i18n.using(locale):
            status = _("New")
        assert status in body, f"the status is not shown in {locale}"
        offset = PEOPLE[locale][2]
        assert re.search(r"\d{2}:\d{2} " + re.escape(offset) + r"\b", body), (
            f"no time in the office's zone ({offset}) on the suggestion page:\n{body[:1500]}")
        _shot(page, f"{locale}-suggestion-desktop")
        page.set_viewport_size(PHONE)
        wait_idle(page)
        _shot(page, f"{locale}-suggestion-phone")
    finally:
        context.close()

    context, page = _page(chromium, locale, DESKTOP)
    try:
        _sign_in(page, app, locale, manager["email"])
        open_page(page, f"{app.url}/dashboard")
        expect(main(page).get_by_role("heading", name=_in(locale, "Dashboards"))).to_be_visible(timeout=SLOW_MS)
        main(page).get_by_role("tab", name=_in(locale, "Suggestions"), exact=True).click()  # computed when open
        wait_idle(page)
        chart_title = _in(locale, "Suggestion funnel: suggestions by status")
        expect(main(page).get_by_text(chart_title).first).to_be_attached(timeout=SLOW_MS)
        _shot(page, f"{locale}-dashboard-desktop")
    finally:
        context.close()

