"""Meeting minutes: read the minutes in my scope; managers and regional managers record and amend theirs."""

import datetime

import pandas as pd
import streamlit as st

from board.errors import BoardError
from board.meetings import minutes, review
from board.web.ui import forms, minutes_editor, minutes_view, session, tables

person = session.page_person("minutes")
db = session.store()
today = datetime.date.today()
st.title("Meeting minutes")

units = minutes.recordable_units(db, person)
drafts = minutes.my_drafts(db, person) if units else []
if drafts and not st.session_state.get("minutes_opened_draft"):
    st.session_state["minutes_opened_draft"] = True  # a reload never loses a draft: the newest one opens again
    minutes_editor.open_editor(drafts[0]["id"], person)


def editable(state: dict) -> bool:
    """Whether the editor holds the person's own draft or own published minutes. Session state is not trusted:
    both checks read only within the person's scope, so another unit's minutes are never loaded."""
    try:
        if state.get("amend"):
            return minutes.get_meeting(db, person, state["meeting_id"])["author_id"] == person.id
        return state.get("meeting_id") in {d["id"] for d in drafts}
    except (BoardError, AttributeError, KeyError, TypeError):
        return False


if "minutes_edit" in st.session_state:
    state = st.session_state["minutes_edit"]
    if not editable(state):
        minutes_editor.close_editor()
        st.error("You are not allowed to read these minutes, or they do not exist.")
        st.stop()
    st.subheader("Amend published minutes" if state["amend"] else "Draft minutes (saved as you type)")
    office_id = minutes.meeting_unit(db, state["meeting_id"])["office_id"]
    form = forms.Form(minutes_editor.FORM)
    minutes_editor.render(form, person, minutes_editor.roster_for(db, person, office_id), office_id)
    form.field_error("status")
    left, right = st.columns(2)
    if left.button("Save amendment" if state["amend"] else "Publish", type="primary"):
        minutes_editor.submit(form, person, today)
    if right.button("Close the editor" + ("" if state["amend"] else " (the draft is kept)")):
        minutes_editor.close_editor()
        st.rerun()
    st.stop()

for draft in drafts:
    if st.button(f"Continue draft #{draft['id']} (started {draft['created_at']:%d %b %Y})", key=f"draft_{draft['id']}"):
        minutes_editor.open_editor(draft["id"], person)
        st.rerun()
if units:
    with st.expander("Record new minutes"):
        labels = {i: u["label"] for i, u in enumerate(units)}
        unit = st.selectbox("For", list(labels), format_func=lambda i: labels[i])
        if st.button("Start") and (started := forms.attempt(lambda: minutes.start_draft(
                db, person, team_id=units[unit]["team_id"], office_id=units[unit]["office_id"], today=today))):
            minutes_editor.open_editor(started.value, person)
            st.rerun()

if st.session_state.pop("minutes_published", None):
    st.success("Published. Your regional manager will review them.")
rows = minutes.list_minutes(db, person)
if not rows:
    st.info("No published minutes in your scope yet.")
    st.stop()
listed = pd.DataFrame(rows, columns=["meeting_date", "unit", "chair", "problems", "solutions", "review_status",
                                     "version"])
listed["review_status"] = [review.VERDICTS.get(r["review_status"], "Not reviewed yet") for r in rows]
tables.table(listed.rename(columns={"meeting_date": "meeting", "review_status": "review"}), hide_index=True)
ids: list[int] = [r["id"] for r in rows]
wanted = st.query_params.get("id", "")
if wanted.isdigit() and int(wanted) not in ids:
    ids.insert(0, int(wanted))  # from a link: the scope check below decides
titles = {r["id"]: f"{r['meeting_date']} · {r['unit']}" for r in rows}
chosen = st.selectbox("Open", ids, index=ids.index(int(wanted)) if wanted.isdigit() else 0,
                      format_func=lambda i: titles.get(i, f"#{i}"))
st.query_params["id"] = str(chosen)
meeting = forms.attempt(lambda: minutes.get_meeting(db, person, chosen)).or_stop()
st.text(f"{meeting['unit']} · {meeting['meeting_date']:%d %B %Y} · chair: {meeting['chair']} "
        f"· version {meeting['version']}")
st.text("Attendees: " + ", ".join(meeting["attendees"]))
minutes_view.items(meeting["items"])
for verdict in meeting["reviews"]:
    st.text(f"Review by {verdict['reviewer']} on {verdict['created_at']:%d %b %Y}: "
            f"{verdict['verdict'].replace('_', ' ')}")
    if verdict["comment"]:
        st.text(verdict["comment"])
minutes_view.history(db, person, meeting)
if meeting["author_id"] == person.id and st.button("Amend these minutes"):
    minutes_editor.open_editor(chosen, person)
    st.rerun()
