"""Playbook: solutions from meeting minutes and implemented suggestions, searchable by everyone; the same
solution seen in several offices is one card; /playbook?entry=KEY opens one entry."""

from functools import partial

import streamlit as st

from board.meetings import playbook
from board.org import settings
from board.web.ui import forms, links, paging, session

person = session.page_person("playbook")
db = session.store()
st.title("Playbook")


def source_link(source: str | None, source_id: int | None, day) -> None:
    """The link to where an entry came from, when the viewer may open it."""
    if source_id is None:
        return
    if source == "minutes":
        links.meeting(source_id, day, label=f"Source: the minutes of {day:%d %b %Y}")
    elif source == "suggestion":
        links.suggestion(source_id, label=f"Source: suggestion #{source_id}")


def seen(times: int, offices: int) -> str:
    where = f"in {offices} offices" if offices > 1 else "in 1 office"
    return f"Seen {where}" + (f", {times} times" if times > offices else "")


def heading(row: dict) -> str:
    return f"{playbook.PLAYBOOK_KINDS[row['kind']]} · {row['category'] or 'no category'}"


key = st.query_params.get("entry")
if key is not None:
    row = forms.attempt(partial(playbook.entry, db, person, key)).or_stop()
    with st.container(border=True):
        st.text(f"{heading(row)} · {row['office']} · {row['day']:%d %b %Y}")
        st.text(row["problem"])
        st.text("Solution: " + row["solution"])
        st.text(f"{seen(row['times'], len(row['seen_in']))}: {', '.join(row['seen_in'])}")
        if row["can_open"]:
            source_link(row["source"], row["source_id"], row["day"])
    if st.button("The whole playbook"):
        del st.query_params["entry"]
        st.rerun()
    st.stop()

st.caption("What other teams found that works. The same solution from several offices is shown once. "
           "Open the source where you are allowed to read it.")
text = st.text_input("Search words", max_chars=200)
cols = st.columns(2)
category = cols[0].selectbox("Category", [None, *settings.load(db).categories], format_func=lambda c: c or "Any")
kind = cols[1].selectbox("Kind", [None, *playbook.PLAYBOOK_KINDS],
                         format_func=lambda k: playbook.PLAYBOOK_KINDS.get(k, "Any"))
page = paging.current("playbook", (text, category, kind))
rows, total = playbook.groups(db, person, text=text, category=category, kind=kind, page=page)
if page > 1 and not rows and total:  # the list shrank under the page the person was on
    st.session_state["playbook__page"] = page = 1
    rows, total = playbook.groups(db, person, text=text, category=category, kind=kind, page=page)
st.text(f"{total} solution(s)" if total else "No solution matches.")
for row in rows:
    with st.container(border=True):
        st.text(f"{heading(row)} · latest {row['office']}, {row['day']:%d %b %Y}")
        st.text(row["problem"])
        st.text("Solution: " + row["solution"])
        st.text(seen(row["times"], row["offices"]) + (f", since {row['first_day']:%b %Y}" if row["times"] > 1 else ""))
        links.playbook_entry(row["key"], label="Open this entry")
        source_link(row["source"], row["source_id"], row["source_day"])
paging.controls("playbook", total, playbook.PER_PAGE, noun="solutions")
