"""One action item at /action?id=N: what it is, who owns it, when it is due, the meeting it came from, its history,
and for its owner or the minutes' author the form that marks it done or dropped."""

from functools import partial

import streamlit as st

from board.clock import shown
from board.i18n import N_, _, format_day, label
from board.meetings import actions
from board.web.ui import forms, links, session

SAVED = {"done": N_("Saved: the action is marked done."), "dropped": N_("Saved: the action is marked dropped.")}

person = session.page_person("action")
db = session.store()
st.title(_("Action"))
chosen = links.requested_id()
if chosen is None:
    st.info(_("Open an action from My actions or from the minutes it was agreed in."))
    st.page_link("app_pages/my_actions.py", label=_("My actions"))
    st.stop()


def history_line(event: dict) -> str:
    """What happened to the action and who did it: "Agreed, open by Ana", "Marked done by Ana"."""
    actor = event["actor"] or _("someone no longer listed")
    if event["from_status"] is None:
        return _("Agreed, open by {actor}", actor=actor)
    if event["to_status"] == "done":
        return _("Marked done by {actor}", actor=actor)
    if event["to_status"] == "dropped":
        return _("Marked dropped by {actor}", actor=actor)
    return _("Marked {status} by {actor}", status=label(actions.STATUS_LABELS, event["to_status"]), actor=actor)


row = forms.attempt(partial(actions.get, db, person, chosen)).or_stop()
saved = st.session_state.pop("action__saved", None)
if saved:
    st.success(saved)

with st.container(border=True):
    st.text(row["description"])
    st.text(f"{_(actions.STATUS_LABELS[row['status']])} · {actions.due_words(row)}")
    st.text(_("Owner: {owner}", owner=row["owner"]))
    st.text(_("Due: {day}", day=format_day(row["due_date"])) + f" · {row['unit']}")
    links.meeting(row["meeting_id"], row["meeting_date"],
                  label=_("From the meeting of {day}", day=format_day(row["meeting_date"])))

st.subheader(_("History"))
for event in row["events"]:
    st.text(f"{shown(event['created_at'], day_only=False)} · {history_line(event)}"
            + ("\n" + _("Note: {note}", note=event["note"]) if event["note"] else ""))

if row["can_close"]:
    st.subheader(_("Close this action"))
    form = forms.Form("close_action")
    with st.form("close_action"):
        to = st.radio(_("Mark it"), ["done", "dropped"], format_func=lambda s: _(actions.STATUS_LABELS[s]),
                      horizontal=True)
        form.field_error("status")
        note = st.text_area(_("Note (required when dropped)"), max_chars=2000)
        form.field_error("note")
        if st.form_submit_button(_("Save")) and form.attempt(lambda: actions.close(db, person, row["id"], to, note)):
            st.session_state["action__saved"] = _(SAVED[to])
            st.rerun()
elif row["status"] == "open":
    st.text(_("Its owner or whoever recorded the minutes marks it done or dropped."))
