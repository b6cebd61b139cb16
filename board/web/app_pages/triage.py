"""Triage: a manager's team queue, a regional manager's escalations, a leader's; act on one suggestion."""

import datetime

import pandas as pd
import streamlit as st

from board.feedback import suggestions, triage
from board.feedback.workflow import LEVEL_LABELS, STATUS_LABELS, allowed_transitions
from board.org import people, settings
from board.web.ui import forms, session, suggestion, tables

person = session.page_person("triage")
db = session.store()
today = datetime.date.today()
sla = settings.load(db).ack_sla_days
st.title("Triage")
st.caption({"manager": "Your team's suggestions and those routed to your whole office.",
            "regional_manager": "Suggestions escalated to your region (and from there to leadership).",
            "leader": "Suggestions escalated to leadership."}[person.role])

sort = st.radio("Sort by", list(triage.SORTS), horizontal=True, format_func=str.capitalize)
closed = st.toggle("Include closed ones")
rows = triage.queue(db, person, sort=sort, today=today, sla_days=sla, include_closed=closed)
counts = triage.queue_counts(db, person, today=today, sla_days=sla)
listed = len(rows) < counts["open"] + (0 if not closed else len(rows))
st.text(f"{counts['open']} open in the queue, {counts['overdue']} overdue"
        + (f"; the first {len(rows)} are listed" if listed else ""))
if not rows:
    st.stop()
frame = pd.DataFrame(rows, columns=["overdue", "id", "title", "status", "level", "category", "votes", "created_at",
                                    "owner", "due_date", "author"])
frame["created_at"] = [suggestion.when(r["created_at"], day_only=r["anonymous"]) for r in rows]
frame["overdue"] = frame["overdue"].map({True: "OVERDUE", False: ""})
frame["status"] = frame["status"].map(STATUS_LABELS)
frame["level"] = frame["level"].map(LEVEL_LABELS)
frame["owner"] = frame["owner"].fillna("")
frame["due_date"] = [f"{r['due_date']:%Y-%m-%d}" if r["due_date"] else "" for r in rows]
tables.table(frame.rename(columns={"created_at": "raised", "due_date": "due"}), hide_index=True)

ids = [r["id"] for r in rows]
wanted = st.query_params.get("id", "")
chosen = st.selectbox("Act on", ids, index=ids.index(int(wanted)) if wanted.isdigit() and int(wanted) in ids else 0,
                      format_func=lambda i: f"#{i} {next(r['title'] for r in rows if r['id'] == i)}")
st.query_params["id"] = str(chosen)
row = suggestions.get(db, person, chosen)
suggestion.card(row)
suggestion.timeline(suggestions.timeline(db, chosen))


# The status this person saw when the form was drawn: a change made meanwhile (by anyone, through any
# server) is then refused with a message instead of being applied on top of a status they never saw.
seen = st.session_state.get("triage_seen_status", {}).get(chosen, row["status"])
st.session_state["triage_seen_status"] = {chosen: row["status"]}
allowed = allowed_transitions(row["status"])
if allowed:
    status_form = forms.Form("status_form")
    with st.form("status_form"):
        to = st.selectbox("New status", allowed, format_func=lambda s: STATUS_LABELS[s])
        status_form.field_error("status")
        note = st.text_area("Note to the author (required when declining)", max_chars=suggestions.COMMENT[1])
        status_form.field_error("note")
        original = st.number_input("Original suggestion # (for duplicate)", min_value=0, step=1, value=0)
        status_form.field_error("duplicate_of")
        if st.form_submit_button("Change status", type="primary") and status_form.attempt(lambda: triage.change_status(
                db, person, chosen, to, note=note, duplicate_of=int(original) or None, expected=seen)):
            st.rerun()

reply_form = forms.Form("reply_form")
with st.form("reply_form", clear_on_submit=True):
    text = st.text_area("Reply to the author", max_chars=suggestions.COMMENT[1])
    reply_form.field_error("reply")
    if st.form_submit_button("Send reply") and reply_form.attempt(lambda: triage.reply(db, person, chosen, text)):
        st.rerun()

left, right = st.columns(2)
owner_form, due_form = forms.Form("owner_form"), forms.Form("due_form")
with left.form("owner_form"):
    candidates = {p["id"]: f"{p['name']} ({p['team']}, {p['office']})" for p in people.list_people(db, person)
                  if p["region_id"] == row["region_id"]}
    owner = st.selectbox("Owner", list(candidates), format_func=lambda i: candidates[i])
    owner_form.field_error("owner")
    if st.form_submit_button("Set owner") and owner_form.attempt(lambda: triage.assign(db, person, chosen, owner)):
        st.rerun()
with right.form("due_form"):
    current = row["due_date"] if row["due_date"] and row["due_date"] >= today else today + datetime.timedelta(days=14)
    due = st.date_input("Due date", value=current, min_value=today)
    due_form.field_error("due_date")
    if st.form_submit_button("Set due date") and due_form.attempt(
            lambda: triage.set_due(db, person, chosen, due, today=today)):
        st.rerun()

if triage.can_escalate(person, row):
    escalate_form = forms.Form("escalate_form")
    with st.form("escalate_form"):
        reason = st.text_input("Why escalate? (optional)", max_chars=500)
        escalate_form.field_error("note")
        escalate_form.field_error("level")
        if st.form_submit_button("Escalate one level up") and escalate_form.attempt(
                lambda: triage.escalate(db, person, chosen, note=reason)):
            st.rerun()
