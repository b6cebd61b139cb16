"""Published minutes, read-only: the heading, the items of the current version, and any earlier version as it
was saved. Everything a person wrote (and every name) goes through st.text, never markdown; every mention of a
suggestion or an action is a link (board.web.ui.links)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st

from board.meetings import minutes, review
from board.org.access import Person
from board.web.ui import attachments as attachment_ui
from board.web.ui import forms, links


def heading(meeting: dict) -> None:
    """The unit, the day, the chair, the version and who attended."""
    st.text(f"{meeting['unit']} · {meeting['meeting_date']:%d %B %Y} · chair: {meeting['chair'] or 'not named'}"
            f" · version {meeting['version']}")
    st.text("Attendees: " + (", ".join(meeting["attendees"]) or "none listed"))


def items(listed: list[dict], today: datetime.date, *, current: bool = True, files: dict[int, list[dict]] | None = None,
          open_file: Callable[[str], bytes] | None = None, remove: Callable[[str], Any] | None = None,
          attach: Callable[[int, list], Any] | None = None) -> bool:
    """Each item: its kind and category, what was discussed, the solution, the linked suggestions, the actions
    with their owner and due date, and its attachments (`files`: {item id: rows}, read with `open_file`; `remove`
    offered on those the viewer may remove; `attach(item id, uploads)`: the form to add more, for the person who
    recorded the minutes). `current`: the minutes as they are now, so each action shows its status and links to
    its page (an earlier version's actions may have changed or been removed since). True after files were added
    or removed (the page then reruns)."""
    changed = False
    for number, item in enumerate(listed, start=1):
        with st.container(border=True):
            category = f" · {item['category']}" if item.get("category") else ""
            st.text(f"{number}. {minutes.ITEM_KINDS.get(item['kind'], 'Item')}{category}")
            st.text(item["discussed"])
            if item.get("solution"):
                st.caption("Solution or decision")
                st.text(item["solution"])
            if item.get("suggestion_ids"):
                st.caption("Linked suggestions")
                for suggestion_id in item["suggestion_ids"]:
                    links.suggestion(suggestion_id, label=f"Suggestion #{suggestion_id}")
            for action in item.get("actions", []):
                _action(action, today, current=current and action.get("id") is not None)
            if current and item.get("id") is not None:
                changed = _files(item["id"], (files or {}).get(item["id"], []), open_file, remove, attach) or changed
    return changed


def _files(item_id: int, rows: list[dict], open_file: Callable[[str], bytes] | None,
           remove: Callable[[str], Any] | None, attach: Callable[[int, list], Any] | None) -> bool:
    """An item's attachments, and the form to add more when `attach` is given."""
    changed = False
    if rows and open_file is not None:
        st.caption("Attachments")
        changed = attachment_ui.gallery(rows, open_file, key=f"item_{item_id}_files", remove=remove)
    if attach is not None:
        with st.expander("Attach screenshots or files to this item"):
            changed = attachment_ui.add_form(f"item_{item_id}_attach", partial(attach, item_id)) or changed
    return changed


def _action(action: dict, today: datetime.date, *, current: bool) -> None:
    with st.container(border=True):
        st.caption("Action")
        st.text(action["description"])
        due = minutes.parse_date(action.get("due_date"))
        line = f"Owner: {action.get('owner') or minutes.FORMER} · " + (f"due {due:%d %b %Y}" if due else "no due date")
        st.text(f"{line} · {minutes.action_status(action, today)}" if current else line)
        if current:
            links.action(action["id"])


def reviews(meeting: dict) -> None:
    """The regional reviews of the minutes, oldest first, each verdict in words with its comment."""
    for verdict in meeting["reviews"]:
        st.text(f"Review by {verdict['reviewer']} on {verdict['created_at']:%d %b %Y}: "
                f"{review.VERDICTS.get(verdict['verdict'], 'Reviewed')}")
        if verdict["comment"]:
            st.text(verdict["comment"])


def history(db, viewer: Person, meeting: dict, today: datetime.date) -> None:
    """Who saved each version and when; an earlier one chosen is shown below as it was saved."""
    if len(meeting["versions"]) < 2:
        return
    saved = {v["version"]: v for v in meeting["versions"]}
    st.text("History: " + "; ".join(f"v{n} {v['created_at']:%d %b %Y %H:%M} by {v['author']}"
                                    for n, v in saved.items()))
    earlier = [n for n in saved if n != meeting["version"]]
    chosen = st.selectbox("Show an earlier version", earlier, index=None, placeholder="Choose a version",
                          format_func=lambda n: f"Version {n}, saved {saved[n]['created_at']:%d %b %Y %H:%M}",
                          key=f"minutes_version_{meeting['id']}")
    if chosen is None:
        return
    content = forms.attempt(lambda: minutes.version_content(db, viewer, meeting["id"], chosen))
    if content:
        _version(content.value, saved[chosen], today)


def _version(content: dict, saved: dict, today: datetime.date) -> None:
    day = minutes.parse_date(content.get("meeting_date"))
    with st.container(border=True):
        st.text(f"Version {saved['version']}, saved on {saved['created_at']:%d %B %Y at %H:%M} by {saved['author']}")
        st.text(f"Meeting of {day:%d %B %Y}" if day else "Meeting date not given")
        st.text(f"Chair: {content.get('chair') or 'not named'}")
        st.text("Attendees: " + (", ".join(content.get("attendees", [])) or "none listed"))
        items(content.get("items", []), today, current=False)
