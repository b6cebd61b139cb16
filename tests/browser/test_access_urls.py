"""Pages' URLs opened directly by the five roles, in a real browser against a live server.

Forbidden (every role x every page it may not open): Streamlit says "Page not found" and runs the person's Home
page instead, with none of the forbidden page's heading or content. Allowed: the page itself renders. Removed
pages (the admin's whole-database download) are forbidden to every role, the admin included. One browser context
per role; the five load their URLs at the same time.
"""

from __future__ import annotations

import time

from playwright.sync_api import expect

from board.demo import KNOWN
from board.org.access import PAGE_ROLES, ROLES
from tests.support.pages import app_constant

from .conftest import nav_paths, session_cookie, sidebar, wait_for

NOT_FOUND = "Page not found"
LOAD_MS = 60_000  # five contexts load pages at once on a machine other test runs share: a page may take a while
HEADINGS = {"dashboard": "Dashboards", "triage": "Triage"}  # where h1 differs from nav
CONTENT = {  # text only the page shows when it runs (checked absent when it may not)
    "triage": "open in the queue",
    "dashboard": "Results of a pulse period appear when it closes",
    "review": "Save review",
    "overview": "Offices that held no meeting in a month show 0",
    "people": "@example.com",
    "admin_people": "Person to change",
    "admin_roster": "Roster import",
    "admin_settings": "Save settings",
}
# Pages that exist no more, for anyone: URL path -> (the heading it had, texts it showed).
REMOVED = {"admin_backup": ("Backup", ("Create backup", "Download backup", "Parquet"))}


def nav_titles_by_key() -> dict[str, str]:
    """page key -> the title the router gives it (board/web/app.py's PAGES table)."""
    return {key: entry[2] for key, entry in app_constant("PAGES").items()}


HIDDEN: set[str] = app_constant("HIDDEN")  # pages opened by their links (/suggestion?id=N), not in the sidebar


def check(page, role: str, key: str, titles: dict[str, str]) -> None:
    """The page a role sees at a URL: the page itself if allowed, else Home after "Page not found"."""
    heading = page.get_by_role("heading", level=1)
    if role in PAGE_ROLES[key]:
        expect(heading, f"{role} /{key}").to_have_text([titles[key]], timeout=LOAD_MS)
        expect(page.get_by_text(NOT_FOUND, exact=True), f"{role} /{key}").to_have_count(0)
        return
    expect(page.get_by_text(NOT_FOUND, exact=True), f"{role} /{key}").to_be_visible(timeout=LOAD_MS)
    expect(heading, f"{role} /{key}").to_have_text(["Home"], timeout=LOAD_MS)
    expect(page.get_by_role("heading", name=titles[key], exact=True), f"{role} /{key}").to_have_count(0)
    if key in CONTENT:
        assert CONTENT[key] not in page.content(), f"{role} /{key} showed {CONTENT[key]!r}"


def check_removed(page, role: str, key: str) -> None:
    """A removed page's URL: "Page not found" and Home, nothing of what the page showed."""
    heading, texts = REMOVED[key]
    expect(page.get_by_text(NOT_FOUND, exact=True), f"{role} /{key}").to_be_visible(timeout=LOAD_MS)
    expect(page.get_by_role("heading", level=1), f"{role} /{key}").to_have_text(["Home"], timeout=LOAD_MS)
    expect(page.get_by_role("heading", name=heading, exact=True), f"{role} /{key}").to_have_count(0)
    content = page.content()
    assert not [t for t in texts if t in content], f"{role} /{key} showed {texts}"


def sign_in_all(pages: dict, url: str) -> None:
    """Sign every role in at once: load all the forms, submit them all, then wait for each session cookie."""
    for page in pages.values():
        page.goto(url, wait_until="commit")
    for role, page in pages.items():  # five first loads at once on a busy machine: be patient
        expect(page.get_by_label("Email", exact=True), role).to_be_visible(timeout=LOAD_MS)
        page.get_by_label("Email", exact=True).fill(KNOWN[role][0])
        page.get_by_label("Password", exact=True).fill("demo")
        page.get_by_role("button", name="Sign in", exact=True).click()
    for role, page in pages.items():  # five sign-ins at once, each a reload through /session/begin: be patient
        expect(sidebar(page).get_by_role("button", name="Sign out"), role).to_be_visible(timeout=60_000)
        wait_for(page, lambda page=page: session_cookie(page) is not None,
                 f"{role} signed in but has no session cookie")


def test_each_page_url_opens_only_for_the_roles_allowed(chromium, app_server):
    """One signed-in context per role. Every role opens the URL of every page it may not open; every page's URL
    is opened by one of the roles allowed (in turn), and each role's navigation links exactly its allowed URLs
    but the item pages, which their links open. (That every allowed page renders for every allowed role is
    test_page_access.py's AppTest matrix.) The contexts load their URLs at the same time and are then checked
    one by one."""
    started = time.monotonic()
    titles = {**nav_titles_by_key(), **HEADINGS}
    contexts = {role: chromium.new_context(viewport={"width": 1400, "height": 900}) for role in ROLES}
    opened = []
    try:
        pages = {}
        for role, context in contexts.items():
            context.set_default_timeout(20_000)
            pages[role] = context.new_page()
        sign_in_all(pages, app_server.url)
        signed_in = time.monotonic()
        for role, page in pages.items():
            allowed = {"" if key == "home" else key for key, roles in PAGE_ROLES.items()
                       if role in roles and key not in HIDDEN}
            assert nav_paths(page) == allowed, f"{role}: navigation {sorted(nav_paths(page))} != {sorted(allowed)}"
        for number, (key, roles) in enumerate(PAGE_ROLES.items()):
            allowed = [role for role in ROLES if role in roles]
            openers = [role for role in ROLES if role not in roles] + [allowed[number % len(allowed)]]
            for role in openers:  # the default page lives at /
                pages[role].goto(f"{app_server.url}/{'' if key == 'home' else key}", wait_until="commit")
            for role in openers:
                check(pages[role], role, key, titles)
                opened.append((role, key))
        for key in REMOVED:  # every role, the admin first of all
            for page in pages.values():
                page.goto(f"{app_server.url}/{key}", wait_until="commit")
            for role, page in pages.items():
                check_removed(page, role, key)
                opened.append((role, key))
    finally:
        for context in contexts.values():
            context.close()
    done = time.monotonic()
    forbidden = sum(role not in PAGE_ROLES.get(key, ()) for role, key in opened)
    assert forbidden == sum(len(set(ROLES) - roles) for roles in PAGE_ROLES.values()) + len(REMOVED) * len(ROLES)
    assert {key for _, key in opened} == set(PAGE_ROLES) | set(REMOVED) and not set(REMOVED) & set(PAGE_ROLES)
    print(f"{len(opened)} URLs ({forbidden} forbidden) for {len(ROLES)} roles: sign-in {signed_in - started:.1f} s, "
          f"URLs {done - signed_in:.1f} s")
