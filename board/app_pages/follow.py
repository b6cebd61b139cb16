"""Follow with a code: the anonymous author sees status, history and replies, and answers, still anonymous."""

import datetime

import streamlit as st

from board import settings, suggestions, triage
from board.errors import BoardError
from board.ui import forms, session, suggestion
from board.ui.forms import field_error

person = session.page_person("follow")
db = session.store()
st.title("Follow with a code")
st.write("Type the follow-up code you were given when you raised an anonymous suggestion. "
         "Nothing about who opens it is recorded.")

with st.form("code_form"):
    typed = st.text_input("Follow-up code", type="password", max_chars=64)
    if st.form_submit_button("Open"):
        st.session_state["follow_code"] = typed  # kept in this session's memory only, never in the URL

code = st.session_state.get("follow_code")
if not code:
    st.stop()
try:
    row = suggestions.follow(db, person, code)
except BoardError as error:  # a wrong code, or too many of them
    st.session_state.pop("follow_code", None)
    st.error(str(error))
    st.stop()

suggestion.card(row)
suggestion.timeline(row["timeline"])

with st.form("author_reply", clear_on_submit=True):
    text = st.text_area("Reply, still anonymous", max_chars=suggestions.COMMENT[1])
    field_error("author_reply", "reply")
    if st.form_submit_button("Send reply"):
        forms.run("author_reply", lambda: suggestions.author_reply(db, person, code, text))

sla = settings.load(db).ack_sla_days
if triage.author_may_escalate(row, today=datetime.date.today(), sla_days=sla):
    st.warning(f"Nobody acknowledged this within {sla} working days. You may escalate it to your region.")
    if st.button("Escalate to the region"):
        triage.escalate_with_code(db, person, code, today=datetime.date.today(), sla_days=sla)
        st.rerun()
if st.button("Close"):
    st.session_state.pop("follow_code", None)
    st.rerun()
