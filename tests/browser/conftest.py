"""Browser tests: a live Streamlit server per module, headless Debian chromium, a fresh context per test."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from board.org.access import PAGE_ROLES
from tests.support.paths import REPO

HERE = Path(__file__).resolve().parent  # the browser tests' folder
SERVER = REPO / "board" / "web" / "server.py"  # what make run serves: the app with its routes and headers
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SIDEBAR = '[data-testid="stSidebar"]'
NAV_LINK = '[data-testid="stSidebarNavLink"]'
START_TIMEOUT = 30.0
TIMEOUT_MS = 15_000
LOCAL_ONLY = re.compile(r"^(?!https?://(localhost|127\.0\.0\.1)[:/])")  # any URL not on this machine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """When a browser test fails, add the page it saw and the server's log to its report."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        report.sections.extend(_evidence(item, page))
    return report


def _evidence(item: pytest.Item, page) -> list[tuple[str, str]]:
    """The page's URL, visible text and a screenshot, and the tail of the server log."""
    shot = Path(item.funcargs["tmp_path"]) / "failure.png" if "tmp_path" in item.funcargs else None
    try:
        if shot is not None:
            page.screenshot(path=str(shot), full_page=True)
        text = page.inner_text("body")[:3000]
    except Exception as error:  # the page may be gone; the report must still be written
        text = f"(page unavailable: {error})"
    sections = [("page at failure", f"URL: {page.url}\nscreenshot: {shot}\n\n{text}")]
    sections += [(f"{name} log", server.output()) for name, server in item.funcargs.items()
                 if isinstance(server, LiveApp)]
    return sections


# ---------------------------------------------------------------- processes


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, chars: int = 4000) -> str:
    """The end of a process log, for failure messages."""
    text = path.read_text(errors="replace") if path.exists() else "(no log)"
    return text[-chars:]


def wait_until_answers(url: str, text: str, proc: subprocess.Popen, log: Path,
                       timeout: float = START_TIMEOUT) -> None:
    """Poll url until its body contains text; fail with the process log if it exits or times out."""
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[:4]} exited with {proc.returncode} before {url} answered.\n"
                        f"--- its output ---\n{log_tail(log)}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if text in response.read().decode(errors="replace"):
                    return
        except OSError as error:
            last = repr(error)
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer {text!r} within {timeout:.0f} s (last error: {last}).\n"
                f"--- process output ---\n{log_tail(log)}", pytrace=False)


@contextmanager
def running(cmd: list[str], *, cwd: Path, env: dict[str, str] | None, log: Path, ready_url: str, ready_text: str
            ) -> Iterator[subprocess.Popen]:
    """Run a server process until the block ends; its stdout and stderr go to log."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    try:
        wait_until_answers(ready_url, ready_text, proc, log)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Terminate a process we started, then kill it if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@dataclass(frozen=True)
class LiveApp:
    """A running Frontline Board server."""

    url: str
    port: int
    workdir: Path
    log: Path

    def output(self) -> str:
        """The end of the server's stdout and stderr."""
        return log_tail(self.log)


@contextmanager
def live_app(workdir: Path, template: Path | None, *, secrets: str | None = None, port: int | None = None,
             host: str = "127.0.0.1", database_url: str | None = None, env: dict[str, str] | None = None
             ) -> Iterator[LiveApp]:
    """Serve board/web/app.py from its own working directory with its own copy of the database, or on the
    PostgreSQL database at database_url (which several servers may share); env adds or overrides environment
    variables (for example BOARD_SMTP_HOST)."""
    port = port or free_port()
    (workdir / ".streamlit").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
    secrets_file = workdir / ".streamlit" / "secrets.toml"
    if secrets is not None:
        secrets_file.write_text(secrets)
    database = workdir / "board.duckdb"
    if database_url is None:
        shutil.copy(template, database)
    # A stray secrets.toml (~/.streamlit, board/.streamlit) would switch the sign-in mode: read only ours.
    extra = env or {}
    env = {**os.environ, "PYTHONPATH": str(REPO), "BOARD_DB": str(database), "HOME": str(workdir)}
    env.pop("BOARD_DATABASE_URL", None)
    if database_url is not None:
        env["BOARD_DATABASE_URL"] = database_url
    env.update(extra)
    cmd = [sys.executable, "-m", "streamlit", "run", str(SERVER), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--client.showErrorDetails", "none", "--runner.magicEnabled", "false",
           "--secrets.files", str(secrets_file)]
    log = workdir / "server.log"
    with running(cmd, cwd=workdir, env=env, log=log, ready_url=f"http://127.0.0.1:{port}/_stcore/health",
                 ready_text="ok"):
        yield LiveApp(url=f"http://{host}:{port}", port=port, workdir=workdir, log=log)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def demo_db_file(demo_template: Path) -> Path:
    """The seeded demo organisation (closed, so a server may open its copy)."""
    return demo_template


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, demo_db_file) -> Iterator[LiveApp]:
    """One server in built-in sign-in mode for the whole module."""
    with live_app(tmp_path_factory.mktemp("app"), demo_db_file) as app:
        yield app


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless chromium driven by Playwright; a missing browser fails, never skips."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(`sudo apt-get install -y chromium`, or `make test` as root). They are never skipped.",
                    pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(chromium, *, width: int = 1400, height: int = 900):
    """A fresh browser context (no cookies) as the page fixture makes one: explicit timeouts, only this machine
    reachable. For tests that keep a signed-in context across several tests (close it yourself)."""
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    context.route(LOCAL_ONLY, lambda route: route.abort())
    return context


@pytest.fixture
def page(chromium, tmp_path):
    """A page in a fresh browser context (no cookies); only this machine is reachable."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.route(LOCAL_ONLY, lambda route: route.abort())
    yield context.new_page()
    context.close()


# ---------------------------------------------------------------- page helpers


def wait_idle(page, settle_ms: int = 150) -> None:
    """Wait until Streamlit has finished running the script, then let the page settle."""
    page.wait_for_selector(IDLE, state="attached")
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(IDLE, state="attached")


def open_page(page, url: str) -> None:
    """Load a URL and wait for the app to finish its first run."""
    page.goto(url)
    wait_idle(page)


def sidebar(page):
    """The sidebar (names and emails may also appear in the main area)."""
    return page.locator(SIDEBAR)


def nav_titles(page) -> list[str]:
    """The page titles in the sidebar navigation (empty when Streamlit hides a one-page nav)."""
    return [t.strip() for t in page.locator(NAV_LINK).all_inner_texts()]


def nav_paths(page) -> set[str]:
    """The URL paths the sidebar navigation links to ("" is the default page, Home)."""
    hrefs = page.locator(NAV_LINK).evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return {urlsplit(href).path.strip("/") for href in hrefs}


def forbidden_pages(role: str) -> list[str]:
    """The URL paths of the pages this role may not open, from the access table the router uses."""
    return [key for key, roles in PAGE_ROLES.items() if role not in roles]


def expect_nav(page, role: str, *, includes: set[str]) -> None:
    """The navigation offers the given URL paths and none of the pages the role may not open."""
    expect(page.locator(NAV_LINK).first).to_be_attached()
    shown = nav_paths(page)
    assert includes <= shown, f"{role}: navigation lacks {includes - shown}; it has {sorted(shown)}"
    offered = shown & set(forbidden_pages(role))
    assert not offered, f"{role}: navigation offers forbidden pages {sorted(offered)}"


def submit_sign_in(page, email: str, password: str) -> None:
    """Fill and submit the built-in sign-in form."""
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    wait_idle(page)


def raise_suggestion(page, url: str, title: str, description: str, *, anonymous: bool
                     ) -> tuple[str | None, str | None]:
    """Fill the raise form; the new id (None for an anonymous one: it is held for the next day's release) and,
    for an anonymous one, the follow-up code shown once."""
    open_page(page, f"{url}/raise")
    if anonymous:
        page.get_by_text("Submit anonymously").click()
        wait_idle(page)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Continue").click()
    # Either the similar suggestions (then "Submit mine anyway") or the confirmation: wait for whichever comes, as
    # patient as a loaded machine needs (a count() right after the click could look before the rerun had drawn).
    saved = page.get_by_text(re.compile(r"Saved\. Anonymous suggestions are passed on together" if anonymous
                                        else r"Saved as suggestion #\d+"))
    anyway = page.get_by_role("button", name="Submit mine anyway")
    expect(saved.or_(anyway)).to_be_visible(timeout=60_000)
    if anyway.is_visible():
        anyway.click()
    expect(saved).to_be_visible(timeout=60_000)
    if anonymous:
        return None, page.locator('[data-testid="stCode"]').inner_text().strip()
    return re.search(r"#(\d+)", saved.inner_text()).group(1), None


def sign_in(page, base_url: str, email: str, password: str = "demo") -> None:
    """Sign in through the form and wait until the session cookie is stored in the browser."""
    open_page(page, base_url)
    submit_sign_in(page, email, password)
    # signing in reloads the app through /session/begin: give a busy machine a minute
    expect(sidebar(page).get_by_role("button", name="Sign out")).to_be_visible(timeout=60_000)
    wait_for(page, lambda: session_cookie(page) is not None, f"{email} signed in but no board_session cookie was set")


def wait_for(page, condition: Callable[[], bool], failure: str, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Poll a condition while the page keeps running; fail with the message after the timeout."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, failure
        page.wait_for_timeout(50)


def session_cookie(page) -> dict | None:
    """The board_session cookie of the page's context, if set."""
    return next((c for c in page.context.cookies() if c["name"] == "board_session" and c["value"]), None)
