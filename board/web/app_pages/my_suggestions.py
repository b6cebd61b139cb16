"""My suggestions: each named suggestion with status, owner, days waiting, latest reply and its full history."""

import datetime

import pandas as pd
import streamlit as st

from board.feedback import suggestions, triage
from board.feedback.workflow import STATUS_LABELS
from board.org import settings
from board.web.ui import forms, session, suggestion, tables

person = session.page_person("my_suggestions")
db = session.store()
st.title("My suggestions")
st.caption("Anonymous suggestions are not listed here: follow them with their code under Follow with a code.")

rows = suggestions.mine(db, person)
if not rows:
    st.info("You have not raised anything yet. Raise a suggestion: it takes a minute.")
    st.stop()

table = pd.DataFrame(rows, columns=["id", "title", "status", "owner", "days_waiting", "latest_reply", "votes"])
table["status"] = table["status"].map(STATUS_LABELS)
table["owner"] = table["owner"].fillna("not yet named")
table["latest_reply"] = table["latest_reply"].fillna("")
tables.table(table.rename(columns={"days_waiting": "days waiting", "latest_reply": "latest reply"}), hide_index=True)

chosen = st.selectbox("Open one", [r["id"] for r in rows],
                      format_func=lambda i: f"#{i} {next(r['title'] for r in rows if r['id'] == i)}")
row = suggestions.get(db, person, chosen)
suggestion.card(row)
suggestion.timeline(suggestions.timeline(db, chosen))

sla = settings.load(db).ack_sla_days
if triage.author_may_escalate(row, today=datetime.date.today(), sla_days=sla):
    st.warning(f"Nobody acknowledged this within {sla} working days. You may escalate it to your region.")
    if st.button("Escalate to the region") and forms.attempt(
            lambda: triage.escalate_as_author(db, person, chosen, today=datetime.date.today(), sla_days=sla)):
        st.rerun()
