"""One action item at /action?id=N: what it is, who owns it, when it is due, and the meeting it came from."""

import datetime

import streamlit as st

from board.meetings import actions
from board.web.ui import forms, links, session

person = session.page_person("action")
db = session.store()
st.title("Action")
chosen = links.requested_id()
if chosen is None:
    st.info("Open an action from My actions or from the minutes it was agreed in.")
    st.stop()
row = forms.attempt(lambda: actions.get(db, person, chosen, today=datetime.date.today())).or_stop()
st.text(row["description"])
st.text(f"Owner: {row['owner']} · due {row['due_date']:%d %b %Y} · {row['status']}")
links.meeting(row["meeting_id"], row["meeting_date"])
