"""Playbook: solutions from meeting minutes and implemented suggestions, searchable by everyone; the same
solution seen in several offices is one card; /playbook?entry=KEY opens one entry."""

from functools import partial

import streamlit as st

from board.i18n import _, category_name, format_date, format_day, ngettext
from board.meetings import playbook
from board.org import settings
from board.web.ui import forms, links, paging, session
from board.web.ui.choose import select_or_none

person = session.page_person("playbook")
db = session.store()
st.title(_("Playbook"))


def source_link(source: str | None, source_id: int | None, day) -> None:
    """The link to where an entry came from, when the viewer may open it."""
    if source_id is None:
        return
    if source == "minutes":
        links.meeting(source_id, day, label=_("Source: the minutes of {day}", day=format_day(day)))
    elif source == "suggestion":
        links.suggestion(source_id, label=_("Source: suggestion #{number}", number=source_id))


def seen(times: int, offices: int) -> str:
    if times > offices:
        return ngettext("Seen in {n} office, {times} times", "Seen in {n} offices, {times} times", offices,
                        times=times)
    return ngettext("Seen in {n} office", "Seen in {n} offices", offices)


def heading(row: dict) -> str:
    category = category_name(row["category"]) if row["category"] else _("no category")
    return f"{_(playbook.PLAYBOOK_KINDS[row['kind']])} · {category}"


key = st.query_params.get("entry")
if key is not None:
    row = forms.attempt(partial(playbook.entry, db, person, key)).or_stop()
    with st.container(border=True):
        st.text(f"{heading(row)} · {row['office']} · {format_day(row['day'])}")
        st.text(row["problem"])
        st.text(_("Solution: {solution}", solution=row["solution"]))
        st.text(_("{seen}: {offices}", seen=seen(row["times"], len(row["seen_in"])), offices=", ".join(row["seen_in"])))
        if row["can_open"]:
            source_link(row["source"], row["source_id"], row["day"])
    if st.button(_("The whole playbook")):
        del st.query_params["entry"]
        st.rerun()
    st.stop()

st.caption(_("What other teams found that works. The same solution from several offices is shown once. "
             "Open the source where you are allowed to read it."))
text = st.text_input(_("Search words"), max_chars=200)
cols = st.columns(2)
category = select_or_none(cols[0], _("Category"), settings.load(db).categories, none=_("Any"),
                          format_func=category_name)
kind = select_or_none(cols[1], _("Kind"), playbook.PLAYBOOK_KINDS, none=_("Any"),
                      format_func=lambda k: _(playbook.PLAYBOOK_KINDS[k]))
page = paging.current("playbook", (text, category, kind))
rows, total = playbook.groups(db, person, text=text, category=category, kind=kind, page=page)
if page > 1 and not rows and total:  # the list shrank under the page the person was on
    st.session_state["playbook__page"] = page = 1
    rows, total = playbook.groups(db, person, text=text, category=category, kind=kind, page=page)
st.text(ngettext("{n} solution(s)", "{n} solution(s)", total) if total else _("No solution matches."))
for row in rows:
    with st.container(border=True):
        st.text(_("{kind} · latest {office}, {day}", kind=heading(row), office=row["office"],
                  day=format_day(row["day"])))
        st.text(row["problem"])
        st.text(_("Solution: {solution}", solution=row["solution"]))
        times = seen(row["times"], row["offices"])
        st.text(_("{seen}, since {month}", seen=times, month=format_date(row["first_day"], "MMM y"))
                if row["times"] > 1 else times)
        links.playbook_entry(row["key"], label=_("Open this entry"))
        source_link(row["source"], row["source_id"], row["source_day"])
paging.controls("playbook", total, playbook.PER_PAGE, noun="solutions")
