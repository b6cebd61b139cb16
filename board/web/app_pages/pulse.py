"""Morale pulse: answer once per period, anonymously; managers and above see results of closed periods for
large enough groups, and only participation while a period is open."""

import datetime

import pandas as pd
import streamlit as st

from board.morale import pulse
from board.org import settings
from board.org.access import MANAGERS_UP
from board.reporting import reports
from board.web.ui import forms, session, tables

LEVEL_LABELS = {"team": "Team", "office": "Office", "region": "Region", "org": "Whole organisation"}

person = session.page_person("pulse")
db = session.store()
config = settings.load(db)
today = datetime.date.today()
forms.attempt(lambda: pulse.close_due(db, today))  # refused (busy): the next page view closes it
start, end = pulse.period_bounds(today, config.pulse_period_days)
k = config.anonymity_k
st.title("Morale pulse")
st.caption(f"This period runs to {end - datetime.timedelta(days=1):%d %B %Y}. Your answer is stored with your team "
           "and the period only, never with your name. Results appear only after the period has closed, all at once, "
           f"and only for groups of at least {k} people who answered.")
if pulse.team_headcount(db, person.team_id) < k:
    st.info(f"Your team has fewer than {k} people, so when the period closes its answers are combined with "
            "your office's (or a wider group's) before anything is kept or shown.")

if pulse.has_answered(db, person, today=today, length_days=config.pulse_period_days):
    st.success("You have answered the pulse for this period. Thank you!")
else:
    scale = [1, 2, 3, 4, 5]
    form = forms.Form("pulse_form")
    with st.form("pulse_form"):
        mood = st.radio("How do you feel about work this fortnight? (1 = very bad, 5 = very good)", scale,
                        index=None, horizontal=True)
        form.field_error("mood")
        enps = st.radio("How likely are you to recommend working here to a friend? (0-10)", list(range(11)),
                        index=None, horizontal=True)
        form.field_error("enps")
        answers: dict[str, int | None] = {}
        for name, statement in pulse.STATEMENTS.items():
            answers[name] = st.radio(f"{statement} (1 = disagree, 5 = agree)", scale, index=None, horizontal=True,
                                     key=f"pulse_{name}")
            form.field_error(name)
        comment = st.text_area(f"Anything else? (optional; shown after the period closes, in random order, only to "
                               f"managers of a group of at least {k} who answered)",
                               max_chars=pulse.MAX_COMMENT)
        form.field_error("comment")
        answer = pulse.Answer(mood=mood, enps=enps, comment=comment, **answers)
        if st.form_submit_button("Send my answer", type="primary") and form.attempt(
                lambda: pulse.submit(db, person, answer, today=today, length_days=config.pulse_period_days)):
            st.rerun()


def period_label(row: dict) -> str:
    return f"{row['starts_on']:%d %b} to {row['ends_on']:%d %b %Y}"


def in_words(row: dict) -> str:
    if row["suppressed"]:
        return f"Not shown: fewer than {k} people answered."
    return f"Mood {row['mood']:.1f} out of 5, eNPS {row['enps']:+d}, from {row['responses']} answers."


if person.role == "staff":  # managers and up see their groups below; an admin sees no results
    results = reports.own_team_morale(db, person, k=k)
    if not results:
        st.subheader("Your team's results")
        st.caption("No period has closed yet. Your team's results appear here when one has.")
    else:
        latest = results[0]
        st.subheader(f"Your team's results for {period_label(latest)}")
        if latest["suppressed"]:
            st.info(in_words(latest))
        else:
            mood_column, enps_column = st.columns(2)
            mood_column.metric("Mood (1 = very bad, 5 = very good)", f"{latest['mood']:.1f} out of 5")
            enps_column.metric("eNPS (from -100 to +100)", f"{latest['enps']:+d}")
            st.text(f"{latest['responses']} people in your team answered. eNPS is the share who would recommend "
                    "working here (9 or 10) minus the share who would not (0 to 6).")
        if results[1:]:
            st.caption("Earlier periods")
        for row in results[1:]:
            st.text(f"{period_label(row)}: {in_words(row)}")
        st.caption(f"Only closed periods, and only when at least {k} people answered and the figures cannot be "
                   "subtracted from another group's to reveal fewer. Comments are read by your managers only.")

if person.role in MANAGERS_UP:
    st.subheader("This period so far")
    now = [r for r in reports.participation(db, person, start=start, end=end) if not r["closed"]]
    answered = now[0]["answered"] if now else 0
    people = now[0]["people"] if now else 0
    st.text(f"{answered} of {people} people in your scope have answered. Results appear when the period closes.")
    st.subheader("Results of closed periods")
    levels = {"manager": ["team"], "regional_manager": ["region", "office", "team"],
              "leader": ["org", "region", "office", "team"]}[person.role]
    level = st.radio("By", levels, horizontal=True, format_func=lambda name: LEVEL_LABELS[name])
    rows = reports.morale(db, person, k=k, level=level)
    if not rows:
        st.info("No closed period has results for this level yet.")
    else:
        frame = pd.DataFrame([{"Period from": r["starts_on"], "Group": r["group"],
                               "Responses": f"fewer than {k}" if r["suppressed"] else str(r["responses"]),
                               "Mood (1-5)": r.get("mood"), "eNPS": r.get("enps")} for r in rows])
        tables.table(frame, hide_index=True)
        st.caption(f"Groups whose answers were too few are combined into their office or a wider group when the "
                   f"period closes; a group is also hidden when it would reveal fewer than {k} answers by subtraction.")
        shown = [r for r in rows if not r["suppressed"]]
        if shown:
            st.subheader("Comments")
            choice = st.selectbox("Group and period", range(len(shown)), index=len(shown) - 1,
                                  format_func=lambda i: f"{shown[i]['group']}, period from {shown[i]['starts_on']}")
            picked = shown[choice]
            comments = reports.pulse_comments(db, person, k=k, period_id=picked["period_id"],
                                              level=level, group_id=picked["group_id"])
            st.caption("In random order; only for groups with enough responses.")
            tables.table(pd.DataFrame({"Comment": comments}), hide_index=True)
