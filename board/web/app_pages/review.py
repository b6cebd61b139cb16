"""Review queue (regional managers): the region's unreviewed minutes, oldest first; mark reviewed or follow up."""

import pandas as pd
import streamlit as st

from board.meetings import minutes, review
from board.web.ui import forms, session, tables

person = session.page_person("review")
db = session.store()
st.title("Review queue")

rows = review.queue(db, person)
if not rows:
    st.success("Every published minutes of your region has been reviewed.")
    st.stop()
frame = pd.DataFrame(rows, columns=["no_problems", "meeting_date", "unit", "chair", "problems", "solutions"])
frame["no_problems"] = frame["no_problems"].map({True: "no problems discussed", False: ""})
st.text(f"{len(rows)} waiting; {sum(r['no_problems'] for r in rows)} discussed no problem at all")
tables.table(frame.rename(columns={"no_problems": "flag", "meeting_date": "meeting"}), hide_index=True)

chosen = st.selectbox("Review", [r["id"] for r in rows],
                      format_func=lambda i: next(f"{r['meeting_date']} · {r['unit']}" for r in rows if r["id"] == i))
meeting = minutes.get_meeting(db, person, chosen)
for number, item in enumerate(meeting["items"], start=1):
    st.text(f"{number}. {minutes.ITEM_KINDS[item['kind']]}: {item['discussed']}")
    if item["solution"]:
        st.text(f"   Solution: {item['solution']}")
    for action in item["actions"]:
        st.text(f"   Action: {action['description']} (due {action['due_date']}, {action['status']})")

form = forms.Form("review_form")
with st.form("review_form", clear_on_submit=True):
    verdict = st.radio("Verdict", list(review.VERDICTS), format_func=review.VERDICTS.get, horizontal=True)
    form.field_error("verdict")
    comment = st.text_area("Comment for the author (required for follow-up)", max_chars=2000)
    form.field_error("comment")
    if st.form_submit_button("Save review", type="primary") and form.attempt(
            lambda: review.review(db, person, chosen, verdict, comment)):
        st.rerun()
