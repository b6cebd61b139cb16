"""Inbox: status changes, replies and escalations on suggestions I raised (named) or +1'd."""

import pandas as pd
import streamlit as st

from board.feedback import inbox
from board.web.ui import forms, session, suggestion, tables

person = session.page_person("inbox")
db = session.store()
st.title("Inbox")

updates = inbox.updates(db, person)
if not updates:
    st.info("No updates yet. You will see here what happens to the suggestions you raise or +1.")
    st.stop()

unread = sum(1 for u in updates if not u["read"])
st.write(f"{unread} unread")
tables.table(pd.DataFrame([{
    "": "" if u["read"] else "new", "suggestion": f"#{u['suggestion_id']} {u['title']}",
    "what": suggestion.EVENT_LABELS.get(u["kind"], u["kind"]), "change": suggestion.change_text(u),
    "note": u["note"], "who": u["actor"],
    "when": suggestion.when(u["created_at"], day_only=u["actor"] == "Anonymous author")} for u in updates]),
    hide_index=True)
if unread and st.button("Mark all as read") and forms.attempt(lambda: inbox.mark_all_read(db, person)):
    st.rerun()
