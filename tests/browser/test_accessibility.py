"""WCAG check with axe-core (issue 15, "Accessibility"): every page every role may open, the item pages on real
items of the demo organisation (/suggestion?id=N, /minutes?id=N, /action?id=N, /playbook?entry=KEY), signed in as
that role, at desktop size (1366x900); and each of those pages once more at phone size (390x844), as the role that
saw the most on it at desktop size. Any serious or critical finding in our own content fails; Streamlit's own findings
(its chrome and widgets' insides) are listed in FRAMEWORK below, each with the reason it is not ours to fix, and kept
in the report. Every finding goes to tests/artifacts/accessibility.json.

Also: deep links opened cold. A signed-out browser opens a suggestion, minutes or an action by its URL, signs in,
and lands on that item (test_sign_in.py checks the same for /pulse)."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import date
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from board import store as db
from board.demo import KNOWN
from board.org import people
from board.org.access import ROLES
from tests.support.browser import (
    AxeFinding,
    Frames,
    FrameworkPart,
    NavigationStalled,
    dom_quiet,
    go_within_app,
    run_axe,
)
from tests.support.paths import REPO
from tests.support.readable import Items, demo_items, visits

from .conftest import IDLE, new_context, open_page, sidebar, sign_in, wait_idle

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
FAILING_IMPACTS = ("serious", "critical")
REPORT = REPO / "tests" / "artifacts" / "accessibility.json"
QUIET_MS = 300  # tables and charts draw after the script run ends: scan once the page has stopped changing
# At phone size each page is scanned once, as the role whose desktop scan found the most elements in the page's main
# block (ties go to the first role here). Why once is enough: the phone layout is Streamlit's one layout for every role,
# only the data in it differs, and every role's data is scanned at desktop size; when every role was scanned at both
# sizes (December 2026, 106 pages each) no page had a finding at one size that it lacked at the other. The page with
# the most in it is where a wide table or a long list would overflow a phone's width.
PHONE_REACH = ("leader", "regional_manager", "manager", "admin", "staff")
BUSY_TIMEOUT_MS = 60_000  # a page run (the dashboard) may take this long on a loaded 2-core machine

# Streamlit's own findings: (axe rule, a data-testid of the Streamlit part the element sits in, why it is not ours).
# A finding is the framework's only when its rule AND the part match; anything else in these parts is still ours.
FRAMEWORK: tuple[FrameworkPart, ...] = (
    FrameworkPart("list", "stSidebarNavItems",
                  "st.navigation with sections: Streamlit puts each section's header and a <div> straight inside the "
                  "nav's <ul>; we only hand it the pages"),
    FrameworkPart("listitem", "stSidebarNavItems",
                  "the same sidebar navigation: its <li> page links sit in that per-section <div>, not in a <ul>"),
)


def page_url(base: str, page: str, query: dict) -> str:
    return f"{base}/{'' if page == 'home' else page}" + (f"?{urlencode(query)}" if query else "")


@pytest.fixture(scope="module")
def items(demo_db_file) -> dict[str, Items]:
    """Per role, the richest items of the demo it may open (read from the closed template, read-only)."""
    store = db.make_store(demo_db_file, read_only=True)
    try:
        return {role: demo_items(store, people.find_by_email(store, KNOWN[role][0])) for role in ROLES}
    finally:
        store.close()


@pytest.fixture(scope="module")
def signed_in(chromium, app_server):
    """role -> a page signed in as that role (and its websocket frame counter), made on first use and kept for
    the module, so each role signs in once for both sizes."""
    contexts: dict[str, tuple] = {}

    def context_for(role: str) -> tuple:
        """(page, its websocket frame counter), signed in as the role."""
        if role not in contexts:
            context = new_context(chromium)
            context.set_default_timeout(BUSY_TIMEOUT_MS)
            page = context.new_page()
            frames = Frames(page)
            sign_in(page, app_server.url, KNOWN[role][0])
            contexts[role] = (page, frames)
        return contexts[role]

    yield context_for
    for page, _ in contexts.values():
        page.context.close()


@pytest.fixture(scope="module")
def report():
    """Every finding of this run's checks, written to tests/artifacts/accessibility.json after each check, with a
    summary first: per role and size, the pages that fail and their rules, and the framework's findings kept."""
    found: dict[str, dict] = {}

    def write(key: str, pages: dict) -> None:
        found[key] = pages
        summary: dict[str, dict] = {}
        for run, visited in sorted(found.items()):
            for name, seen in visited.items():
                failing = Counter(f["rule"] for f in seen["findings"]
                                  if f["framework"] is None and f["impact"] in FAILING_IMPACTS)
                if failing:
                    summary.setdefault(run, {})[name] = dict(failing)
        kept = Counter(f"{f['rule']} in {p}" for visited in found.values() for seen in visited.values()
                       for f in seen["findings"] if f["framework"] for p in f["parts"][:1])
        framework = [{"rule": p.rule, "within": p.within, "reason": p.reason} for p in FRAMEWORK]
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(json.dumps({"_failing": summary, "_framework": framework, "_framework_seen": dict(kept),
                                      **found}, indent=1, sort_keys=False))

    return write


def phone_roles(desktop_pages: dict[str, dict[str, dict]]) -> dict[str, str]:
    """page name -> the role whose desktop scan counted the most elements in it (ties: the first in PHONE_REACH)."""
    best: dict[str, str] = {}
    for role in PHONE_REACH:
        for name, seen in desktop_pages[role].items():
            if name not in best or seen["elements"] > desktop_pages[best[name]][name]["elements"]:
                best[name] = role
    return best


def scan(page, frames, base: str, size: str, to_visit: list[tuple[str, str, dict]]
         ) -> tuple[dict[str, dict], dict[str, list[AxeFinding]]]:
    """Open each page in turn at the size (the first by a real load, then from page to page as the app's links
    go) and run axe on it once it has drawn. ({name: its report entry}, {name: our serious or critical findings})."""
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    pages: dict[str, dict] = {}
    ours: dict[str, list[AxeFinding]] = {}
    for number, (name, key, query) in enumerate(to_visit):
        started = time.monotonic()
        url = page_url(base, key, query)
        opened = "load"
        if number == 0:
            open_page(page, url)  # a real load at each size; then from page to page as the app's links go
        else:
            try:
                go_within_app(page, frames, url)
                opened = "in the app"
            except NavigationStalled as stalled:  # the check is about the page, not the way there: load it
                opened = f"load, after {stalled}"
                open_page(page, url)
            page.wait_for_selector(IDLE, state="attached")
        expect(sidebar(page).get_by_role("button", name="Sign out")).to_be_visible()  # still signed in as role
        assert urlsplit(page.url).path == urlsplit(url).path, f"opened {url}, the browser shows {page.url}"
        quiet = dom_quiet(page, QUIET_MS)
        loaded = time.monotonic()
        found = run_axe(page, FRAMEWORK)
        elements = page.locator('[data-testid="stMain"] *').count()
        pages[name] = {"url": url, "opened": opened, "load_s": round(loaded - started, 2),
                       "axe_s": round(time.monotonic() - loaded, 2), "quiet": quiet, "elements": elements,
                       "findings": [f.as_dict() for f in found]}
        ours[name] = [f for f in found if f.framework is None and f.impact in FAILING_IMPACTS]
    return pages, ours


def failures(ours: dict[str, list[AxeFinding]]) -> str:
    return "\n".join(f"  {name}:\n" + "\n".join(f"    - {f}" for f in found) for name, found in ours.items() if found)


@pytest.fixture(scope="module")
def desktop(signed_in, app_server, items, report):
    """role -> its scan at desktop size (every page it may open), made on first use and kept for the module: the
    phone check reads from it which role shows the most on each page."""
    done: dict[str, tuple[dict[str, dict], dict[str, list[AxeFinding]]]] = {}

    def scanned(role: str) -> tuple[dict[str, dict], dict[str, list[AxeFinding]]]:
        if role not in done:
            page, frames = signed_in(role)
            done[role] = scan(page, frames, app_server.url, "desktop", visits(role, items[role]))
            report(f"{role} desktop", done[role][0])
        return done[role]

    return scanned


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_no_serious_accessibility_finding_in_our_content(desktop, role):
    _, ours = desktop(role)
    assert not failures(ours), (f"{role} at desktop size: serious or critical accessibility findings in our "
                                f"content:\n{failures(ours)}")


def test_each_page_at_phone_size_has_no_serious_accessibility_finding_in_our_content(desktop, signed_in, app_server,
                                                                                     items, report):
    assert sorted(PHONE_REACH) == sorted(ROLES)
    richest = phone_roles({role: desktop(role)[0] for role in ROLES})
    problems: list[str] = []
    scanned: list[str] = []
    for role in PHONE_REACH:
        mine = [visit for visit in visits(role, items[role]) if richest[visit[0]] == role]
        if not mine:
            continue
        page, frames = signed_in(role)
        pages, ours = scan(page, frames, app_server.url, "phone", mine)
        report(f"{role} phone", pages)
        scanned += pages
        if failures(ours):
            problems.append(f"{role} at phone size:\n{failures(ours)}")
    assert sorted(scanned) == sorted(richest), "not every page was scanned at phone size, once"
    assert not problems, "serious or critical accessibility findings in our content:\n" + "\n".join(problems)


# --- deep links opened cold ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def staff_items(demo_db_file, items) -> dict[str, dict]:
    """What staff@ must see on each item page they are sent to: the suggestion's number and title, the meeting's
    date, the action's description."""
    chosen = items["staff"]
    store = db.make_store(demo_db_file, read_only=True)
    try:
        with store.read() as con:
            title = con.scalar("SELECT title FROM suggestions WHERE id = ?", (chosen.suggestion,))
            day: date = con.scalar("SELECT meeting_date FROM meetings WHERE id = ?", (chosen.meeting,))
            action = con.scalar("SELECT description FROM action_items WHERE id = ?", (chosen.action,))
    finally:
        store.close()
    number = rf"#{chosen.suggestion}(?!\d)"
    days = "|".join(re.escape(f"{day:{f}}") for f in ("%d %b %Y", "%-d %b %Y", "%d %B %Y", "%-d %B %Y", "%Y-%m-%d"))
    return {  # item -> its id and what must be visible (regular expressions)
        "suggestion": {"id": chosen.suggestion, "shows": [number, re.escape(title)]},
        "minutes": {"id": chosen.meeting, "shows": [days]},
        "action": {"id": chosen.action, "shows": [re.escape(action)]},
    }


@pytest.mark.parametrize("item", ["suggestion", "minutes", "action"])
def test_a_deep_link_opened_signed_out_lands_on_the_item_after_sign_in(page, app_server, staff_items, item):
    wanted = staff_items[item]
    url = f"{app_server.url}/{item}?id={wanted['id']}"
    open_page(page, url)
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    page.get_by_label("Email", exact=True).fill(KNOWN["staff"][0])
    page.get_by_label("Password", exact=True).fill("demo")
    page.get_by_role("button", name="Sign in", exact=True).click()
    # signing in reloads the app through /session/begin and back: give a busy machine a minute (as sign_in does)
    expect(sidebar(page).get_by_role("button", name="Sign out")).to_be_visible(timeout=60_000)
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", level=1).first).to_be_visible()
    for shows in wanted["shows"]:
        expect(main.get_by_text(re.compile(shows)).first).to_be_visible()
    assert page.url == url, f"signed in from {url} but landed on {page.url}"
