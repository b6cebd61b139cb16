"""Browser steps that several browser tests take (the fixtures, the servers and the basic steps such as sign_in
are in tests/browser/conftest.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from playwright.sync_api import expect


def download_first_visible_csv(page, tmp_path) -> tuple[str, str]:
    """Click the first visible "Download CSV" button; the file's name and text."""
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").filter(visible=True).first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target.name, target.read_text(encoding="utf-8")


def start_minutes(page) -> None:
    """Open "Record new minutes" and press Start. On a loaded machine a press can be lost while the page is
    still connecting, so if no editor appears within 20 s and Start is still there, press it once more."""
    editor, start = page.get_by_label("What was discussed"), page.get_by_role("button", name="Start")
    page.get_by_text("Record new minutes").click()
    start.click()
    try:
        expect(editor).to_be_visible(timeout=20_000)
        return
    except AssertionError:
        if editor.count() or not page.get_by_text("Record new minutes").count():
            raise
    if not start.is_visible():
        page.get_by_text("Record new minutes").click()
    start.click()
    expect(editor).to_be_visible(timeout=20_000)


# --- accessibility: axe-core, as axe-playwright-python bundles it (no download) -------------------------------------

@dataclass(frozen=True)
class FrameworkPart:
    """A finding that is Streamlit's, not ours: an axe rule on an element inside a part of the page Streamlit draws
    (named by the data-testid Streamlit puts on it), with the reason we cannot fix it in our pages."""

    rule: str
    within: str  # a data-testid on the element or one of its ancestors, e.g. "stToolbar"
    reason: str


@dataclass(frozen=True)
class AxeFinding:
    """One element that breaks one axe rule; `framework` is the reason when it is Streamlit's own."""

    rule: str
    impact: str
    help: str
    target: str
    html: str
    parts: tuple[str, ...]  # the data-testids from the element up to the page
    framework: str | None
    summary: str = ""  # axe's own account of what is wrong ("insufficient color contrast of 3.9 (...)")

    def __str__(self) -> str:
        where = " < ".join(self.parts[:4]) or "the page"
        detail = self.summary.replace("\n", " ")[:240]
        return f"{self.rule} ({self.impact}) in {where}: {self.html[:120]} -- {detail}"

    def as_dict(self) -> dict:
        return {"rule": self.rule, "impact": self.impact, "help": self.help, "target": self.target,
                "html": self.html[:300], "parts": list(self.parts), "framework": self.framework,
                "summary": self.summary}


# The data-testids from an element (found by its axe target, through shadow roots) up to the document.
_PARTS_JS = """targets => targets.map(target => {
  const chain = Array.isArray(target) ? target : [target];
  let root = document, el = null;
  for (const selector of chain) {
    try { el = root.querySelector(selector); } catch (e) { el = null; }
    if (!el) return null;
    root = el.shadowRoot || el;
  }
  const parts = [];
  for (let node = el; node; node = node.parentElement || (node.getRootNode && node.getRootNode().host) || null) {
    const id = node.getAttribute && node.getAttribute('data-testid');
    if (id) parts.push(id);
  }
  return parts;
})"""


def run_axe(page, framework: Sequence[FrameworkPart] = (), context: str | dict | None = None) -> list[AxeFinding]:
    """Every element breaking an axe rule on the page as it is now (axe's default rules: WCAG 2.x A and AA and
    best practices), each marked as Streamlit's own when a FrameworkPart matches its rule and where it sits.
    axe is put into the document once (the page keeps it while the app navigates without reloading)."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    result = page.evaluate("([context, options]) => axe.run(context || document, options)",
                           [context, {"resultTypes": ["violations"]}])
    nodes = [(violation, node) for violation in result["violations"] for node in violation["nodes"]]
    parts = page.evaluate(_PARTS_JS, [node["target"] for _, node in nodes]) if nodes else []
    found = []
    for (violation, node), chain in zip(nodes, parts, strict=True):
        chain = tuple(chain or ())
        reason = next((p.reason for p in framework if p.rule == violation["id"] and p.within in chain), None)
        found.append(AxeFinding(rule=violation["id"], impact=node.get("impact") or violation.get("impact") or "",
                                help=violation["help"], target=json.dumps(node["target"]), html=node.get("html", ""),
                                parts=chain, framework=reason, summary=node.get("failureSummary", "")))
    return found


# The page's DOM has had no change for quietMs (tables and charts draw after the script run ends); false if it kept
# changing for timeoutMs. A MutationObserver in the page, so the wait ends as soon as the drawing does.
_QUIET_JS = """([quietMs, timeoutMs]) => new Promise(resolve => {
  const started = performance.now();
  let last = started;
  const observer = new MutationObserver(() => { last = performance.now(); });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  const check = () => {
    const now = performance.now();
    if (now - last >= quietMs || now - started >= timeoutMs) {
      observer.disconnect();
      resolve(now - last >= quietMs);
    } else {
      setTimeout(check, 25);
    }
  };
  setTimeout(check, 25);
})"""


def dom_quiet(page, quiet_ms: int = 300, timeout_ms: int = 10_000) -> bool:
    """Wait until nothing in the page's DOM has changed for quiet_ms (a chart or table drawing after the script run
    ended changes it); False if it was still changing after timeout_ms."""
    return bool(page.evaluate(_QUIET_JS, [quiet_ms, timeout_ms]))


# --- moving between pages as the app's own links do ---------------------------------------------------------------

class Frames:
    """Counts the messages the Streamlit server sends a page over its websocket. Attach before the page connects
    (before its first load): every script run sends some, so a count that grows means the app is answering."""

    def __init__(self, page):
        self.count = 0
        page.on("websocket", lambda socket: socket.on("framereceived", self._seen))

    def _seen(self, _payload) -> None:
        self.count += 1


def go_within_app(page, frames: Frames, url: str, *, timeout_ms: int = 30_000, quiet_ms: int = 300) -> None:
    """Open another page of the app (path and query) without reloading, as a click on a page link or the browser's
    back button does (Streamlit reruns on popstate), and wait until that run has ended: the server has sent
    messages since, the script is not running, and nothing more came for quiet_ms. Much cheaper than a page load:
    no bundle to parse, no new websocket, no new session. (The script-state attribute alone cannot tell: under
    load React may draw "running" and "notRunning" in one go, and the attribute never changes.)"""
    before = frames.count
    page.evaluate("url => { history.pushState({}, '', url); window.dispatchEvent(new PopStateEvent('popstate')); }",
                  url)
    deadline = time.monotonic() + timeout_ms / 1000
    seen, quiet_since = before, time.monotonic()
    while True:
        if frames.count != seen:
            seen, quiet_since = frames.count, time.monotonic()
        idle = page.evaluate("""() => document.querySelector(
            '[data-testid="stApp"][data-test-script-state="notRunning"]') !== null""")
        if seen > before and idle and time.monotonic() - quiet_since >= quiet_ms / 1000:
            return
        if time.monotonic() > deadline:
            raise NavigationStalled(f"opening {url} within the app: {seen - before} messages from the server and "
                                    f"no finished run in {timeout_ms} ms; {app_state(page)}")
        page.wait_for_timeout(50)


class NavigationStalled(AssertionError):
    """The app did not finish a run after an in-app navigation."""


def app_state(page) -> str:
    """The browser's URL and Streamlit's script and connection state, for failure messages."""
    state = page.evaluate("""() => { const app = document.querySelector('[data-testid="stApp"]');
        return app ? [app.getAttribute('data-test-script-state'), app.getAttribute('data-test-connection-state')]
                   : [null, null]; }""")
    return f"the browser is at {page.url}, script {state[0]}, connection {state[1]}"
