"""My actions: the action items I own from meeting minutes; managers also see their team's open ones."""

import datetime

import pandas as pd
import streamlit as st

from board.meetings import actions
from board.org.access import MANAGERS_UP
from board.web.ui import forms, session, tables

person = session.page_person("my_actions")
db = session.store()
today = datetime.date.today()
st.title("My actions")


def table(rows: list[dict], extra: tuple[str, ...] = ()) -> None:
    frame = pd.DataFrame(rows, columns=["overdue", "description", "due_date", "status", *extra, "unit", "meeting_date"])
    frame["overdue"] = frame["overdue"].map({True: "OVERDUE", False: ""})
    tables.table(frame.rename(columns={"due_date": "due", "meeting_date": "meeting"}), hide_index=True)


include_closed = st.toggle("Include done and dropped")
mine = actions.mine(db, person, today=today, include_closed=include_closed)
if not mine:
    st.info("You own no open actions.")
else:
    table(mine)
    open_ones = [a for a in mine if a["status"] == "open"]
    if open_ones:
        form = forms.Form("close_action")
        with st.form("close_action"):
            chosen = st.selectbox("Action", [a["id"] for a in open_ones], format_func=lambda i: next(
                f"{a['description']} (due {a['due_date']})" for a in open_ones if a["id"] == i))
            to = st.radio("Mark it", ["done", "dropped"], horizontal=True)
            form.field_error("status")
            note = st.text_input("Note (required when dropped)", max_chars=2000)
            form.field_error("note")
            if st.form_submit_button("Save") and form.attempt(lambda: actions.close(db, person, chosen, to, note)):
                st.rerun()

if person.role in MANAGERS_UP:
    scope = {"manager": "team", "regional_manager": "region", "leader": "organisation"}[person.role]
    st.subheader(f"Open actions of your {scope}")
    team = actions.team_open(db, person, today=today)
    overdue = sum(1 for a in team if a["overdue"])
    st.text(f"{len(team)} open, {overdue} overdue")
    if team:
        table(team, extra=("owner",))
