"""Morale pulse: answer once per period, anonymously; managers and above see results of closed periods for
large enough groups, and only participation while a period is open."""

import datetime

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from board.clock import utcnow
from board.i18n import N_, _, babel_locale, format_date, format_day
from board.morale import pulse
from board.org import calendar, settings
from board.org.access import MANAGERS_UP
from board.reporting import reports
from board.web.ui import forms, session, tables

LEVEL_LABELS = {"team": N_("Team"), "office": N_("Office"), "region": N_("Region"), "org": N_("Whole organisation")}
RESULTS_DAYS = 365
HEADERS = {"starts_on": N_("Period from"), "group": N_("Group"), "responses": N_("Responses"), "mood": N_("Mood (1-5)"),
           "enps": N_("eNPS")}

person = session.page_person("pulse")
db = session.store()
config = settings.load(db)
today = calendar.person_today(db, person, utcnow())  # the period is that of the person's office's local day
forms.attempt(lambda: pulse.close_due(db))  # refused (busy): the next page view closes it
start, end = pulse.period_bounds(today, config.pulse_period_days)
k = config.anonymity_k
st.title(_("Morale pulse"))
st.caption(_("This period runs to {day}. Your answer is stored with your team and the period only, never with your "
             "name. Results appear only after the period has closed, all at once, and only for groups of at least {k} "
             "people who answered.", day=format_date(end - datetime.timedelta(days=1), "dd MMMM y"), k=k))
if pulse.team_headcount(db, person.team_id) < k:
    st.info(_("Your team has fewer than {k} people, so when the period closes its answers are combined with your "
              "office's (or a wider group's) before anything is kept or shown.", k=k))

if pulse.has_answered(db, person, today=today, length_days=config.pulse_period_days):
    st.success(_("You have answered the pulse for this period. Thank you!"))
else:
    scale = [1, 2, 3, 4, 5]
    form = forms.Form("pulse_form")
    with st.form("pulse_form"):
        mood = st.radio(_("How do you feel about work this fortnight? (1 = very bad, 5 = very good)"), scale,
                        index=None, horizontal=True)
        form.field_error("mood")
        enps = st.radio(_("How likely are you to recommend working here to a friend? (0-10)"), list(range(11)),
                        index=None, horizontal=True)
        form.field_error("enps")
        answers: dict[str, int | None] = {}
        for name, statement in pulse.STATEMENTS.items():
            answers[name] = st.radio(_("{statement} (1 = disagree, 5 = agree)", statement=_(statement)), scale,
                                     index=None, horizontal=True, key=f"pulse_{name}")
            form.field_error(name)
        comment = st.text_area(_("Anything else? (optional; shown after the period closes, in random order, only to "
                                 "managers of a group of at least {k} who answered)", k=k),
                               max_chars=pulse.MAX_COMMENT)
        form.field_error("comment")
        answer = pulse.Answer(mood=mood, enps=enps, comment=comment, **answers)
        if st.form_submit_button(_("Send my answer"), type="primary") and form.attempt(
                lambda: pulse.submit(db, person, answer, length_days=config.pulse_period_days)):
            st.rerun()


def period_label(row: dict) -> str:
    return _("{start} to {end}", start=format_date(row["starts_on"], "dd MMM"), end=format_day(row["ends_on"]))


def in_words(row: dict) -> str:
    if row["suppressed"]:
        return _("Not shown: fewer than {k} people answered.", k=k)
    return _("Mood {mood} out of 5, eNPS {enps}, from {responses} answers.", mood=mood_text(row["mood"]),
             enps=f"{row['enps']:+d}", responses=row["responses"])


def mood_text(mood: float) -> str:
    """A mean mood with one decimal, as the viewer's language writes it ("3.4", "3,4")."""
    return format_decimal(float(f"{mood:.1f}"), format="0.0", locale=babel_locale())  # rounded as before


if person.role == "staff":  # managers and up see their groups below; an admin sees no results
    results = reports.own_team_morale(db, person, k=k)
    if not results:
        st.subheader(_("Your team's results"))
        st.caption(_("No period has closed yet. Your team's results appear here when one has."))
    else:
        latest = results[0]
        st.subheader(_("Your team's results for {period}", period=period_label(latest)))
        if latest["suppressed"]:
            st.info(in_words(latest))
        else:
            mood_column, enps_column = st.columns(2)
            mood_column.metric(_("Mood (1 = very bad, 5 = very good)"),
                               _("{mood} out of 5", mood=mood_text(latest["mood"])))
            enps_column.metric(_("eNPS (from -100 to +100)"), f"{latest['enps']:+d}")
            st.text(_("{n} people in your team answered. eNPS is the share who would recommend working here (9 or 10)"
                      " minus the share who would not (0 to 6).", n=latest["responses"]))
        if results[1:]:
            st.caption(_("Earlier periods"))
        for row in results[1:]:
            st.text(f"{period_label(row)}: {in_words(row)}")
        st.caption(_("Only closed periods, and only when at least {k} people answered and the figures cannot be "
                     "subtracted from another group's to reveal fewer. Comments are read by your managers only.", k=k))

if person.role in MANAGERS_UP:
    st.subheader(_("This period so far"))
    now = [r for r in reports.participation(db, person, start=start, end=end) if not r["closed"]]
    answered = now[0]["answered"] if now else 0
    people = now[0]["people"] if now else 0
    st.text(_("{answered} of {people} people in your scope have answered. Results appear when the period closes.",
              answered=answered, people=people))
    st.subheader(_("Results of closed periods"))
    levels = {"manager": ["team"], "regional_manager": ["region", "office", "team"],
              "leader": ["org", "region", "office", "team"]}[person.role]
    level = st.radio(_("By"), levels, horizontal=True, format_func=lambda name: _(LEVEL_LABELS[name]))
    since = today - datetime.timedelta(days=RESULTS_DAYS)  # a year of periods: all of them took seconds at scale
    rows = reports.morale(db, person, k=k, level=level, start=since)
    st.caption(_("Periods that started in the last twelve months; the dashboards go back three years."))
    if not rows:
        st.info(_("No closed period of the last twelve months has results for this level yet."))
    else:
        frame = pd.DataFrame([{"starts_on": r["starts_on"], "group": r["group"],
                               "responses": _("fewer than {k}", k=k) if r["suppressed"] else str(r["responses"]),
                               "mood": r.get("mood"), "enps": r.get("enps")} for r in rows])
        tables.table(frame.rename(columns={column: _(header) for column, header in HEADERS.items()}), hide_index=True)
        st.caption(_("Groups whose answers were too few are combined into their office or a wider group when the "
                     "period closes; a group is also hidden when it would reveal fewer than {k} answers by "
                     "subtraction.", k=k))
        shown = [r for r in rows if not r["suppressed"]]
        if shown:
            st.subheader(_("Comments"))
            choice = st.selectbox(_("Group and period"), range(len(shown)), index=len(shown) - 1,
                                  format_func=lambda i: _("{group}, period from {day}", group=shown[i]["group"],
                                                          day=shown[i]["starts_on"]))
            picked = shown[choice]
            comments = reports.pulse_comments(db, person, k=k, period_id=picked["period_id"],
                                              level=level, group_id=picked["group_id"])
            st.caption(_("In random order; only for groups with enough responses."))
            tables.table(pd.DataFrame({_("Comment"): comments}), hide_index=True)
