"""Steps of the everyday jobs that several browser tests take on the rebuilt pages (issue 15): a suggestion's own
page, the one-step triage form (Continue, then Confirm), the cards of the lists, moving about on a phone, and the
record of each job's clicks and seconds (tests/artifacts/everyday/jobs.json).

The fixtures, the servers and the basic steps (sign_in, open_page, wait_idle) are in tests/browser/conftest.py;
other shared browser helpers are in tests/support/browser.py."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import expect

from tests.support import paths

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
MAIN = '[data-testid="stMain"]'
SLOW_MS = 60_000  # a step that reruns the app on a loaded machine (other helpers' servers share the two cores)
EVERYDAY = paths.ARTIFACTS / "everyday"
JOBS = EVERYDAY / "jobs.json"
CONFIRM_HEADING = "Please check and confirm"
REPLY_LABEL = "Reply to the author"  # the triage form's field ("Reply to the author (when declining, the reason)")


def settle(page, settle_ms: int = 150) -> None:
    """Wait until Streamlit has finished running the script (as conftest.wait_idle), with a minute's patience."""
    page.wait_for_selector(IDLE, state="attached", timeout=SLOW_MS)
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(IDLE, state="attached", timeout=SLOW_MS)


def main(page):
    """The main block of the page (the sidebar repeats names and links)."""
    return page.locator(MAIN)


def plain_text(scope, text: str):
    """Plain text (st.text) that reads exactly `text` (not a field holding it), within `scope` (a page or a locator;
    a page's also serves as a `has=` filter of another locator)."""
    return scope.get_by_test_id("stText").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))


def text_line(page, text: str):
    """Plain text in the main block that reads exactly `text`."""
    return plain_text(main(page), text)


# --- a suggestion and its lists ---------------------------------------------------------------------------------

def expect_suggestion_page(page, suggestion_id: int | str, title: str | None = None) -> None:
    """The page of suggestion #id: its heading, and its title as typed when given."""
    expect(main(page).get_by_role("heading", name=f"Suggestion #{suggestion_id}", exact=True)
           ).to_be_visible(timeout=SLOW_MS)
    if title is not None:
        expect(main(page).get_by_text(f"#{suggestion_id} · {title}", exact=True)).to_be_visible()


def card_of(page, link_name: str):
    """The bordered card (the innermost container) that holds the link of this exact name ("#12", "Open
    suggestion #12"): its title, its lines and its buttons."""
    link = page.get_by_role("link", name=link_name, exact=True)
    return main(page).locator('[data-testid="stVerticalBlock"]').filter(has=link).last


def saved_suggestion_id(page) -> str:
    """The number in the raise page's confirmation "Saved as suggestion #N ..." (it also links to the page)."""
    saved = page.get_by_text(re.compile(r"Saved as suggestion #\d+"))
    expect(saved).to_be_visible(timeout=SLOW_MS)
    number = re.search(r"#(\d+)", saved.inner_text()).group(1)
    expect(page.get_by_role("link", name=f"Open suggestion #{number}", exact=True)).to_be_visible()
    return number


# --- the one-step triage form --------------------------------------------------------------------------------------

@dataclass
class Clicks:
    """Counts what a test does by hand: clicks (and taps) and fields typed into."""

    clicks: int = 0
    typed: int = 0

    def click(self, locator, **options) -> None:
        locator.click(**options)
        self.clicks += 1

    def fill(self, locator, text: str) -> None:
        locator.fill(text)
        self.typed += 1


def choose(page, clicks: Clicks, label: str, option: str | re.Pattern, within=None) -> None:
    """Pick an option of a Streamlit select box: open it by its label, then click the option. On a loaded machine
    the first click can land while the box is being drawn again and open nothing: it is then clicked again (one
    click counted: the person clicked once)."""
    scope = within if within is not None else page
    box, wanted = scope.get_by_label(label, exact=True), page.get_by_role("option", name=option).first
    clicks.click(box)
    for _ in range(3):
        try:
            expect(wanted).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            settle(page)
            page.keyboard.press("Escape")
            box.click()
    clicks.click(wanted)
    settle(page)


def status_option(status: str) -> re.Pattern:
    """The select box's option for a target status ("Planned (through Acknowledged, Under review)")."""
    return re.compile(rf"^{re.escape(status)}( \(through .*\))?$")


def fill_triage(page, clicks: Clicks, *, to: str | None = None, reply: str = "", within=None) -> None:
    """Fill the triage form (status as its label: "Planned"; a reply) and press Continue; the summary waits."""
    scope = within if within is not None else main(page)
    if to is not None:
        choose(page, clicks, "New status", status_option(to), within=scope)
    if reply:
        clicks.fill(scope.get_by_label(re.compile(rf"^{REPLY_LABEL}")), reply)
    clicks.click(scope.get_by_role("button", name="Continue", exact=True))
    settle(page)
    expect(scope.get_by_text(CONFIRM_HEADING)).to_be_visible(timeout=SLOW_MS)


def confirm_triage(page, clicks: Clicks, suggestion_id: int | str, *, to: str | None = None) -> None:
    """Press Confirm and see the form's success message."""
    clicks.click(main(page).get_by_role("button", name="Confirm", exact=True))
    settle(page)
    done = (f"Saved: #{suggestion_id} is now {to.lower()}." if to else f"Saved your changes to #{suggestion_id}.")
    expect(main(page).get_by_text(done, exact=True)).to_be_visible(timeout=SLOW_MS)


def triage(page, suggestion_id: int | str, *, to: str | None = None, reply: str = "", within=None) -> Clicks:
    """Answer and move a suggestion in one form, as a manager does on its page or in the queue: fill, Continue,
    check the summary, Confirm. The clicks it took."""
    clicks = Clicks()
    fill_triage(page, clicks, to=to, reply=reply, within=within)
    confirm_triage(page, clicks, suggestion_id, to=to)
    return clicks


# --- phones ------------------------------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


def horizontal_overflow(page) -> dict:
    """How far the document and the main block scroll sideways (0 when they do not)."""
    return page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        return {document: document.documentElement.scrollWidth - window.innerWidth,
                main: main ? main.scrollWidth - main.clientWidth : 0};
    }""")


def expect_no_horizontal_scroll(page, where: str) -> None:
    """Nothing on the page is wider than the screen: neither the document nor the main block scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        f"{where}: the page scrolls sideways: {horizontal_overflow(page)}")
    overflow = horizontal_overflow(page)
    assert overflow["main"] <= 1, f"{where}: the main block scrolls sideways: {overflow}"


def expect_wholly_visible(page, locator, text: str) -> None:
    """The element shows exactly this text, whole: nothing cut off, nothing scrolled away, within the screen's
    width (scrolled into view)."""
    expect(locator).to_have_text(text)
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
        f"the text is not within the screen's {width} px: {box}")
    clipped = locator.evaluate("el => [el.scrollWidth - el.clientWidth, el.scrollHeight - el.clientHeight]")
    assert clipped[0] <= 1 and clipped[1] <= 1, f"the text is cut off (hidden overflow {clipped})"
    assert locator.evaluate("el => getComputedStyle(el).textOverflow") != "ellipsis"


def go_to(page, clicks: Clicks, title: str) -> None:
    """Open a page from the sidebar's navigation as a person does; on a phone the sidebar is folded away (off the
    screen) and is opened with its button first."""
    link = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=re.compile(rf"^{re.escape(title)}"))
    unfold = page.get_by_test_id("stExpandSidebarButton")
    if unfold.is_visible():
        clicks.click(unfold)
    expect(link).to_be_in_viewport(timeout=SLOW_MS)
    clicks.click(link)
    settle(page)


# --- the record of the jobs ----------------------------------------------------------------------------------------

@dataclass
class Job:
    """One everyday job as a test does it: who, what, at what size, its clicks and fields typed, the seconds from
    the first navigation to the result on screen, and its screenshot. Informational: never a pass mark."""

    role: str
    job: str
    size: str
    clicks: Clicks = field(default_factory=Clicks)
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    screenshot: str | None = None

    def done(self, page, result=None) -> None:
        """The result is on screen: stop the clock, save the screenshot (role_job_size.png; Streamlit scrolls
        inside its main block, so the screenshot is of the screen, with `result` scrolled into view) and record
        the job."""
        self.seconds = round(time.monotonic() - self.started, 1)
        if result is not None:
            result.scroll_into_view_if_needed()
        EVERYDAY.mkdir(parents=True, exist_ok=True)
        shot = EVERYDAY / f"{self.role}_{self.job}_{self.size}.png"
        page.screenshot(path=str(shot), full_page=True)
        self.screenshot = str(shot.relative_to(paths.REPO))
        record(self)


def record(job: Job) -> None:
    """Add or replace this job's entry in jobs.json (one entry per role, job and size)."""
    entries = _read(JOBS)
    entries[f"{job.role} {job.job} {job.size}"] = {
        "role": job.role, "job": job.job, "size": job.size, "clicks": job.clicks.clicks,
        "fields_typed": job.clicks.typed, "seconds": job.seconds, "screenshot": job.screenshot}
    JOBS.write_text(json.dumps(dict(sorted(entries.items())), indent=1) + "\n")


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
