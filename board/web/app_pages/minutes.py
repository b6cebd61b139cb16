"""Meeting minutes: read the minutes in my scope; managers and regional managers record and amend theirs."""

import datetime

import pandas as pd
import streamlit as st

from board.meetings import minutes
from board.errors import BoardError, NotAllowed
from board.web.ui import minutes_editor, session, tables
from board.web.ui.forms import field_error

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
    meeting = minutes.meeting_unit(db, state["meeting_id"])
    minutes_editor.render(person, minutes_editor.roster_for(db, person, meeting["office_id"]), meeting["office_id"])
    field_error("minutes", "status")
    left, right = st.columns(2)
    if left.button("Save amendment" if state["amend"] else "Publish", type="primary"):
        minutes_editor.submit(person, today)
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
        chosen = st.selectbox("For", list(labels), format_func=labels.get)
        if st.button("Start"):
            unit = units[chosen]
            meeting_id = minutes.start_draft(db, person, team_id=unit["team_id"], office_id=unit["office_id"],
                                             today=today)
            minutes_editor.open_editor(meeting_id, person)
            st.rerun()

if st.session_state.pop("minutes_published", None):
    st.success("Published. Your regional manager will review them.")
rows = minutes.list_minutes(db, person)
if not rows:
    st.info("No published minutes in your scope yet.")
    st.stop()
tables.table(pd.DataFrame(rows, columns=["meeting_date", "unit", "chair", "problems", "solutions", "review_status",
                                         "version"]), hide_index=True)
ids = [r["id"] for r in rows]
wanted = st.query_params.get("id", "")
if wanted.isdigit() and int(wanted) not in ids:
    ids.insert(0, int(wanted))  # from a link: the scope check below decides
chosen = st.selectbox("Open", ids, index=ids.index(int(wanted)) if wanted.isdigit() else 0,
                      format_func=lambda i: next((f"{r['meeting_date']} · {r['unit']}" for r in rows if r["id"] == i), f"#{i}"))
st.query_params["id"] = str(chosen)
try:
    meeting = minutes.get_meeting(db, person, chosen)
except NotAllowed as error:
    st.error(str(error))
    st.stop()
st.text(f"{meeting['unit']} · {meeting['meeting_date']:%d %B %Y} · chair: {meeting['chair']} · version {meeting['version']}")
st.text("Attendees: " + ", ".join(meeting["attendees"]))
for number, item in enumerate(meeting["items"], start=1):
    with st.container(border=True):
        st.text(f"{number}. {minutes.ITEM_KINDS[item['kind']]}" + (f" · {item['category']}" if item["category"] else ""))
        st.text(item["discussed"])
        if item["solution"]:
            st.caption("Solution or decision")
            st.text(item["solution"])
        if item["suggestion_ids"]:
            st.text("Linked suggestions: " + ", ".join(f"#{s}" for s in item["suggestion_ids"]))
        if item["actions"]:
            tables.table(pd.DataFrame(item["actions"])[["description", "due_date", "status"]], hide_index=True)
for review in meeting["reviews"]:
    st.text(f"Review by {review['reviewer']} on {review['created_at']:%d %b %Y}: {review['verdict'].replace('_', ' ')}")
    if review["comment"]:
        st.text(review["comment"])
if len(meeting["versions"]) > 1:
    st.caption("History: " + "; ".join(f"v{v['version']} {v['created_at']:%d %b %Y %H:%M} by {v['author']}"
                                        for v in meeting["versions"]))
if meeting["author_id"] == person.id and st.button("Amend these minutes"):
    minutes_editor.open_editor(chosen, person)
    st.rerun()
