"""Stable links to what the board holds: every suggestion, meeting, action and playbook entry has a URL that opens
it (after sign-in when needed; the page then checks the viewer's scope), and every mention of one is a link.

Labels are made of fixed words, numbers and dates only: a widget label renders markdown, so text a person typed
(a title, a name) is never put in one; show it beside the link with st.text."""

from __future__ import annotations

import datetime

import streamlit as st

from board.i18n import N_, _, format_day

SUGGESTION = "app_pages/suggestion.py"
MEETING = "app_pages/minutes.py"
ACTION = "app_pages/action.py"
PLAYBOOK = "app_pages/playbook.py"
OPENS = {"suggestion": "suggestion", "minutes": "minutes", "action": "action"}  # url path -> what a link opens
# A link column's help, and a hint under a table of links: one whole sentence for each url path.
OPENS_HELP = {"suggestion": N_("Opens the suggestion in a new tab"), "minutes": N_("Opens the minutes in a new tab"),
              "action": N_("Opens the action in a new tab")}
SELECT_TO_OPEN = {"suggestion": N_("Select a number to open that suggestion in a new tab."),
                  "minutes": N_("Select a number to open that minutes in a new tab."),
                  "action": N_("Select a number to open that action in a new tab.")}
SHOWN_ID = r"id=(\d+)$"  # a link column shows the item's number, taken from its URL


def requested_id(name: str = "id") -> int | None:
    """The item id the page was opened with (?id=7), or None when there is none or it is not a number."""
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def href(url_path: str, item_id: int) -> str:
    """The URL of an item's page relative to the current page ("suggestion?id=7"), for a table's link column; it
    stays right when the app is served under a path prefix."""
    if url_path not in OPENS:
        raise ValueError(f"no page opens items at {url_path!r}")
    return f"{url_path}?id={int(item_id)}"


def suggestion(suggestion_id: int, label: str | None = None, **options) -> None:
    """A link that opens suggestion #id on its own page."""
    st.page_link(SUGGESTION, label=label or _("Open suggestion #{number}", number=suggestion_id),
                 query_params={"id": str(suggestion_id)}, **options)


def meeting(meeting_id: int, day: datetime.date | None = None, label: str | None = None, **options) -> None:
    """A link that opens the minutes of a meeting."""
    text = label or (_("Minutes of {day}", day=format_day(day)) if day else _("Minutes #{number}", number=meeting_id))
    st.page_link(MEETING, label=text, query_params={"id": str(meeting_id)}, **options)


def action(action_id: int, label: str | None = None, **options) -> None:
    """A link that opens an action item."""
    st.page_link(ACTION, label=label or _("Open action #{number}", number=action_id),
                 query_params={"id": str(action_id)}, **options)


def playbook_entry(entry: str, label: str | None = None, **options) -> None:
    """A link that opens one playbook entry (its key: "m12" for a minutes item, "s7" for a suggestion)."""
    st.page_link(PLAYBOOK, label=label or _("Open in the playbook"), query_params={"entry": entry}, **options)
