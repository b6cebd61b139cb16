"""Published minutes, read-only: the items of the current version, and any earlier version as it was saved.
Everything a person wrote (and every name) goes through st.text or a table cell, never markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from board.meetings import minutes
from board.org import people
from board.org.access import Person
from board.web.ui import forms, tables


def items(listed: list[dict]) -> None:
    """Each item: its kind and category, what was discussed, the solution, linked suggestions, the actions."""
    for number, item in enumerate(listed, start=1):
        with st.container(border=True):
            category = f" · {item['category']}" if item.get("category") else ""
            st.text(f"{number}. {minutes.ITEM_KINDS.get(item['kind'], 'Item')}{category}")
            st.text(item["discussed"])
            if item.get("solution"):
                st.caption("Solution or decision")
                st.text(item["solution"])
            if item.get("suggestion_ids"):
                st.text("Linked suggestions: " + ", ".join(f"#{s}" for s in item["suggestion_ids"]))
            if item.get("actions"):
                actions = pd.DataFrame(item["actions"], columns=["description", "due_date", "status"])
                tables.table(actions.rename(columns={"due_date": "due"}), hide_index=True)


def history(db, viewer: Person, meeting: dict) -> None:
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
        _version(db, content.value, saved[chosen])


def _version(db, content: dict, saved: dict) -> None:
    day = minutes.parse_date(content.get("meeting_date"))
    named = _names(db, [content.get("chair_id"), *content.get("attendee_ids", [])])
    with st.container(border=True):
        st.text(f"Version {saved['version']}, saved on {saved['created_at']:%d %B %Y at %H:%M} by {saved['author']}")
        st.text(f"Meeting of {day:%d %B %Y}" if day else "Meeting date not given")
        chair = content.get("chair_id")
        st.text(f"Chair: {named[chair] if chair in named else 'not named'}")
        st.text("Attendees: " + (", ".join(named[a] for a in content.get("attendee_ids", [])) or "none listed"))
        items(content.get("items", []))


def _names(db, ids: list) -> dict[int, str]:
    """The names of the people a version names (it stores their ids)."""
    found = {}
    for person_id in dict.fromkeys(i for i in ids if i is not None):
        person = people.get_person(db, person_id)
        found[person_id] = person.name if person else "someone no longer in the roster"
    return found
