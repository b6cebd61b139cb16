"""One action item at /action?id=N: what it is, who owns it, when it is due, the meeting it came from, its history,
and for its owner or the minutes' author the form that marks it done or dropped."""

import datetime
from functools import partial

import streamlit as st

from board.clock import shown
from board.meetings import actions
from board.web.ui import forms, links, session

person = session.page_person("action")
db = session.store()
today = datetime.date.today()
st.title("Action")
chosen = links.requested_id()
if chosen is None:
    st.info("Open an action from My actions or from the minutes it was agreed in.")
    st.page_link("app_pages/my_actions.py", label="My actions")
    st.stop()
row = forms.attempt(partial(actions.get, db, person, chosen, today=today)).or_stop()
saved = st.session_state.pop("action__saved", None)
if saved:
    st.success(saved)

with st.container(border=True):
    st.text(row["description"])
    st.text(f"{actions.STATUS_LABELS[row['status']]} · {actions.due_words(row, today)}")
    st.text(f"Owner: {row['owner']}")
    st.text(f"Due: {row['due_date']:%d %b %Y} · {row['unit']}")
    links.meeting(row["meeting_id"], row["meeting_date"], label=f"From the meeting of {row['meeting_date']:%d %b %Y}")

st.subheader("History")
for event in row["events"]:
    what = "Agreed, open" if event["from_status"] is None else f"Marked {event['to_status']}"
    st.text(f"{shown(event['created_at'], day_only=False)} · {what} by {event['actor'] or 'someone no longer listed'}"
            + (f"\nNote: {event['note']}" if event["note"] else ""))

if row["can_close"]:
    st.subheader("Close this action")
    form = forms.Form("close_action")
    with st.form("close_action"):
        to = st.radio("Mark it", ["done", "dropped"], format_func=actions.STATUS_LABELS.get, horizontal=True)
        form.field_error("status")
        note = st.text_area("Note (required when dropped)", max_chars=2000)
        form.field_error("note")
        if st.form_submit_button("Save") and form.attempt(lambda: actions.close(db, person, row["id"], to, note)):
            st.session_state["action__saved"] = f"Saved: the action is marked {to}."
            st.rerun()
elif row["status"] == "open":
    st.text("Its owner or whoever recorded the minutes marks it done or dropped.")
