"""Home: what needs the signed-in person's attention, by role."""

import datetime

import pandas as pd
import streamlit as st

from board.feedback import inbox, triage
from board.meetings import actions, review
from board.morale import pulse
from board.org import audit, people, settings
from board.org.access import MANAGERS_UP
from board.reporting import reports
from board.web.ui import session, tables

person = session.page_person("home")
db = session.store()
config = settings.load(db)
today = datetime.date.today()

st.title("Home")
st.text(f"Welcome, {person.name}. {person.role_label} in {person.team}, {person.office} ({person.region}).")
team = reports.team_summary(db, person)
st.text(f"Your team has {team['size']} active people; manager: {', '.join(team['managers']) or 'none yet'}.")
unread = inbox.unread_count(db, person)
st.page_link("app_pages/raise_suggestion.py", label="Raise a suggestion or an anticipated problem")
if unread:
    st.page_link("app_pages/inbox.py", label=f"{unread} unread update(s) on suggestions you raised or +1'd")
if person.role in MANAGERS_UP:
    counts = triage.queue_counts(db, person, today=today, sla_days=config.ack_sla_days)
    st.page_link("app_pages/triage.py",
                 label=f"Triage: {counts['open']} open suggestion(s) in your queue, {counts['overdue']} overdue")
mine = actions.mine(db, person, today=today)
if mine:
    late = sum(1 for a in mine if a["overdue"])
    st.page_link("app_pages/my_actions.py", label=f"My actions: {len(mine)} open, {late} overdue")
if person.role in ("manager", "regional_manager"):
    follow_up = [v for v in review.verdicts_for_author(db, person) if v["verdict"] == "needs_follow_up"][:3]
    if follow_up:
        st.warning("Minutes you recorded need follow-up:")
    for verdict in follow_up:
        st.text(f"{verdict['meeting_date']:%d %b %Y}, review by {verdict['reviewer']}: {verdict['comment']}")
if person.role == "regional_manager":
    waiting = review.queue(db, person)
    st.page_link("app_pages/review.py", label=f"Review queue: {len(waiting)} minutes waiting, "
                 f"{sum(r['no_problems'] for r in waiting)} discussed no problem")
if not pulse.has_answered(db, person, today=today, length_days=config.pulse_period_days):
    st.page_link("app_pages/pulse.py", label="You have not answered this period's morale pulse yet: it takes a minute")

if person.role in ("regional_manager", "leader", "admin"):
    st.subheader("Offices")
    tables.table(pd.DataFrame(reports.offices_in_scope(db, person)), hide_index=True)

if person.role != "staff":
    missing = reports.teams_without_manager(db, person)
    st.subheader("Teams without a manager")
    if missing:
        st.warning(f"{len(missing)} team(s) have no active manager: their suggestions have no one to answer them.")
        tables.table(pd.DataFrame(missing), hide_index=True)
    else:
        st.success("Every team in your scope has an active manager.")

if person.role == "admin":
    attention = reports.admin_attention(db, person)
    st.subheader("Accounts")
    if session.auth_config() is None:
        st.write(f"{attention['without_password']} active people have no password yet "
                 "(set one under Accounts and roles).")
    if attention["locked"]:
        st.warning("Sign-in is paused after repeated failures for:")
        tables.table(pd.DataFrame({"email": attention["locked"]}), hide_index=True)
    st.subheader("Recent changes")
    changes = pd.DataFrame(audit.recent(db, person, 20), columns=["created_at", "actor", "action", "detail"])
    tables.table(changes.rename(columns={"created_at": "when"}), hide_index=True)
    counts = people.counts(db)
    st.caption(f"{counts['regions']} regions, {counts['offices']} offices, {counts['teams']} teams, "
               f"{counts['active_people']} active people.")
