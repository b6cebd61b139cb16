"""Morale pulse: answer once per period, anonymously; managers and above see results for large enough groups."""

import datetime

import pandas as pd
import streamlit as st

from board import pulse, reports, settings
from board.ui import forms, session
from board.ui.forms import field_error

person = session.page_person("pulse")
db = session.store()
config = settings.load(db)
today = datetime.date.today()
start, end = pulse.period_bounds(today, config.pulse_period_days)
st.title("Morale pulse")
st.caption(f"This period runs to {end - datetime.timedelta(days=1):%d %B %Y}. Your answer is stored with your team "
           "and the period only, never with your name; that you answered is kept separately.")

if pulse.has_answered(db, person, today=today, length_days=config.pulse_period_days):
    st.success("You have answered the pulse for this period. Thank you!")
else:
    scale = [1, 2, 3, 4, 5]
    with st.form("pulse_form"):
        mood = st.radio("How do you feel about work this fortnight? (1 = very bad, 5 = very good)", scale,
                        index=None, horizontal=True)
        field_error("pulse_form", "mood")
        enps = st.radio("How likely are you to recommend working here to a friend? (0-10)", list(range(11)),
                        index=None, horizontal=True)
        field_error("pulse_form", "enps")
        answers = {}
        for name, statement in pulse.STATEMENTS.items():
            answers[name] = st.radio(f"{statement} (1 = disagree, 5 = agree)", scale, index=None, horizontal=True,
                                     key=f"pulse_{name}")
            field_error("pulse_form", name)
        comment = st.text_area("Anything else? (optional, shown only to groups of at least k people)",
                               max_chars=pulse.MAX_COMMENT)
        field_error("pulse_form", "comment")
        if st.form_submit_button("Send my answer", type="primary"):
            answer = pulse.Answer(mood=mood, enps=enps, comment=comment, **answers)
            forms.run("pulse_form", lambda: pulse.submit(db, person, answer, today=today,
                                                         length_days=config.pulse_period_days))

if person.role in ("manager", "regional_manager", "leader"):
    st.subheader("Results")
    levels = {"manager": ["team"], "regional_manager": ["region", "office", "team"],
              "leader": ["org", "region", "office", "team"]}[person.role]
    level = st.radio("By", levels, horizontal=True, format_func=str.capitalize)
    rows = reports.morale(db, person, k=config.anonymity_k, level=level)
    if not rows:
        st.info("No pulse answers yet.")
    else:
        frame = pd.DataFrame(rows, columns=["starts_on", "group", "responses", "mood", "enps", "suppressed"])
        frame["responses"] = [f"fewer than {config.anonymity_k} responses" if s else str(n)
                              for n, s in zip(frame["responses"], frame["suppressed"])]
        st.dataframe(frame.drop(columns="suppressed").rename(columns={"starts_on": "period"}), hide_index=True)
        shown = [r for r in rows if not r["suppressed"]]
        if shown:
            st.subheader("Comments")
            choice = st.selectbox("Group and period", range(len(shown)), index=len(shown) - 1,
                                  format_func=lambda i: f"{shown[i]['group']}, period from {shown[i]['starts_on']}")
            picked = shown[choice]
            comments = reports.pulse_comments(db, person, k=config.anonymity_k, period_id=picked["period_id"],
                                              level=level, group_id=picked["group_id"])
            st.caption("In random order; only for groups with enough responses.")
            st.dataframe(pd.DataFrame({"comment": comments}), hide_index=True)
