"""Who the benchmark's sessions are and what they click: mostly staff (home, their suggestions, the pulse, a
suggestion they read about, and now and then raising one), managers (home, triage, a suggestion from their queue,
minutes), a few regional managers (office overview, review queue) and a few leaders (dashboards)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable

from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.sessions_client import Link, Session, View

# 25 sessions: 19 staff, 4 managers, 1 regional manager, 1 leader; interleaved so that a handful of sessions already
# has every role, and session n keeps its role as the ramp adds sessions.
PATTERN = ("staff", "manager", "leader", "regional_manager", *["staff"] * 6, "manager", *["staff"] * 6, "manager",
           *["staff"] * 6, "manager")
CLICKS = {  # role -> page -> relative weight of it being the next click
    "staff": {"home": 30, "my_suggestions": 20, "pulse": 10, "suggestion": 25, "raise": 15},
    "manager": {"home": 25, "triage": 35, "suggestion": 25, "minutes": 15},
    "regional_manager": {"home": 20, "overview": 40, "review": 40},
    "leader": {"dashboard": 70, "home": 30},
}
SUBMIT_SHARE = 0.5  # of a staff member's visits to the form, those that end in a suggestion raised
WORDS = ("refund approval billing queue customer outage login portal invoice callback shift handover template policy "
         "training escalation chat phone email delivery return warranty payment account screen report schedule").split()


def role_of(index: int) -> str:
    """The role of the index-th session (0-based)."""
    return PATTERN[index % len(PATTERN)]


def roles_needed(sessions: int) -> Counter:
    """How many sessions of each role the first `sessions` sessions have."""
    return Counter(role_of(i) for i in range(sessions))


def page_label(page: str) -> str:
    """The name a page's views are reported under ("" is the home page)."""
    return page or "home"


class User:
    """One session's user: their role, the links they have seen, their next click. Views are handed to `record`
    as they finish; `pause` is the think time between two clicks."""

    def __init__(self, session: Session, role: str, rng: random.Random, record: Callable[[View], None],
                 pause: Callable[[], Awaitable[None]]):
        self.session, self.role, self.rng, self.record, self.pause = session, role, rng, record, pause
        self.links: list[Link] = []  # links to suggestions seen on the last page that had some
        self.raised = 0

    async def open(self, page: str, query: str = "", widgets: list[WidgetState] | None = None) -> View:
        shown = await self.session.view(page, query, widgets or [])
        self.links = shown.links("suggestion") or self.links
        self.record(shown)
        return shown

    async def click(self) -> None:
        """The person's next click, as their role's mix says; a suggestion needs a link seen first (else home)."""
        pages = CLICKS[self.role]
        page = self.rng.choices(list(pages), weights=list(pages.values()))[0]
        if page == "suggestion" and self.links:
            link = self.rng.choice(self.links)
            await self.open("suggestion", link.query)
        elif page == "raise":
            await self.raise_suggestion()
        else:
            await self.open("" if page in ("home", "suggestion") else page)

    async def raise_suggestion(self) -> None:
        """Open the form; half the time fill it in, continue, and submit it past the similar ones if shown. A
        suggestion that is not saved is a problem of the last view."""
        form = await self.open("raise")
        if form.has("button", "Raise another"):  # the session's last suggestion is still shown: a new form
            form = await self.open("raise", widgets=[WidgetState(id=form.widget_id("button", "Raise another"),
                                                                 trigger_value=True)])
        if form.problems or self.rng.random() >= SUBMIT_SHARE:
            return
        await self.pause()
        self.raised += 1
        words = self.rng.sample(WORDS, 4)
        filled = [WidgetState(id=form.widget_id("text_input", "Title"),
                              string_value=f"The {words[0]} {words[1]} needs a better {words[2]}"),
                  WidgetState(id=form.widget_id("text_area", "Description"),
                              string_value=f"Customers wait for the {words[3]} at busy times, every week."),
                  WidgetState(id=form.widget_id("button", "Continue"), trigger_value=True)]
        shown = await self.session.view("raise", widgets=filled)
        shown.page = "raise: continue"
        if not saved(shown) and not shown.problems:
            self.record(shown)
            await self.pause()
            shown = await self.session.view("raise", widgets=[WidgetState(
                id=shown.widget_id("button", "Submit mine anyway"), trigger_value=True)])
            shown.page = "raise: submit"
        if not saved(shown) and not shown.problems:
            shown.problems.append("the suggestion was not saved: " + " | ".join(shown.texts())[:200])
        self.record(shown)


def saved(shown: View) -> bool:
    """Whether the page says the suggestion was saved."""
    return any(text.startswith("Saved as suggestion #") for text in shown.texts())
