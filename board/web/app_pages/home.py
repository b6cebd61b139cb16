"""Home: who the signed-in person is here, what needs their attention (as cards of links), what changed because of
their office's suggestions, and by role the offices, teams without a manager and the admin's recent changes."""

import datetime

import pandas as pd
import streamlit as st

from board.feedback import inbox, triage
from board.feedback.workflow import STATUS_LABELS
from board.meetings import actions, review
from board.morale import pulse
from board.org import audit, people, settings
from board.org.access import MANAGERS_UP, role_and_place
from board.reporting import reports
from board.web.ui import links, session, tables

TEAM_ROLES = ("staff", "manager", "admin")  # the roles that work in their roster team (others are only filed there)

person = session.page_person("home")
db = session.store()
config = settings.load(db)
today = datetime.date.today()


def card(page: str, label: str, icon: str, detail: str) -> None:
    """One to-do: a link (short fixed words and numbers, so it is not cut off on a phone) and a line under it."""
    with st.container(border=True):
        st.page_link(page, label=label, icon=icon, width="stretch")
        st.caption(detail)


def todo() -> list[tuple[str, str, str, str]]:
    """(page, label, icon, detail) of each thing the person could do now, the most pressing last but one."""
    items = [("app_pages/raise_suggestion.py", "Raise a suggestion", ":material/add_comment:",
              "An improvement, or a problem you see coming; named or anonymous.")]
    unread = inbox.unread_count(db, person)
    if unread:
        items.append(("app_pages/inbox.py", f"Inbox: {unread} unread", ":material/inbox:",
                      "Updates on suggestions you raised or +1'd."))
    if person.role in MANAGERS_UP:
        counts = triage.queue_counts(db, person, today=today, sla_days=config.ack_sla_days)
        items.append(("app_pages/triage.py", f"Triage: {counts['open']} open, {counts['overdue']} overdue",
                      ":material/assignment:", "Suggestions in your queue waiting for an answer."))
    mine = actions.mine(db, person, today=today)
    if mine:
        late = sum(1 for a in mine if a["overdue"])
        items.append(("app_pages/my_actions.py", f"My actions: {len(mine)} open, {late} overdue",
                      ":material/task_alt:", "Actions from meeting minutes that you own."))
    if person.role == "regional_manager":
        waiting = review.queue(db, person)
        items.append(("app_pages/review.py", f"Review queue: {len(waiting)} waiting", ":material/fact_check:",
                      f"Minutes waiting for your review; {sum(r['no_problems'] for r in waiting)} of them "
                      "discussed no problem."))
    if not pulse.has_answered(db, person, today=today, length_days=config.pulse_period_days):
        items.append(("app_pages/pulse.py", "Answer the morale pulse", ":material/favorite:",
                      "This period's pulse takes a minute and is anonymous."))
    return items


st.title("Home")
st.text(f"Welcome, {person.name}.\n{role_and_place(person)}")
if person.role in TEAM_ROLES:
    team = reports.team_summary(db, person)
    st.text(f"Your team has {team['size']} active people; manager: {', '.join(team['managers']) or 'none yet'}.")

items = todo()
for start in range(0, len(items), 3):  # rows of three cards; a phone stacks them in this order
    for column, item in zip(st.columns(3), items[start:start + 3], strict=False):
        with column:
            card(*item)

if person.role in ("manager", "regional_manager"):
    follow_up = [v for v in review.verdicts_for_author(db, person) if v["verdict"] == "needs_follow_up"][:3]
    if follow_up:
        st.warning("Minutes you recorded need follow-up:")
    for verdict in follow_up:
        st.text(f"{verdict['meeting_date']:%d %b %Y}, review by {verdict['reviewer']}: {verdict['comment']}")

st.subheader("You said, we did")
changes = reports.you_said_we_did(db, person)
if not changes:
    st.caption("Nothing raised in your office has been planned or put in place yet. What should change?")
for row in changes:
    with st.container(border=True):
        st.text(f"#{row['id']} {row['title']}")
        moved = f" on {row['moved_on']:%d %b %Y}" if row["moved_on"] else ""
        yours = row["own_team"] and person.role in TEAM_ROLES
        st.caption(f"{STATUS_LABELS[row['status']]}{moved}" + (" · your team" if yours else ""))
        raised = f"raised by {row['author']}" if row["author"] else "raised anonymously"
        st.text(f"{row['team']}, {row['office']} · {raised}")
        if row["what_changed"]:
            st.text(f"What changed: {row['what_changed']}")
        elif row["latest_answer"]:
            st.text(f"Latest answer: {row['latest_answer']}")
        links.suggestion(row["id"], icon=":material/open_in_new:")

if person.role in ("regional_manager", "leader", "admin"):
    st.subheader("Offices")
    offices = pd.DataFrame(reports.offices_in_scope(db, person), columns=["region", "office", "teams", "people"])
    tables.table(offices.rename(columns={"region": "Region", "office": "Office", "teams": "Teams",
                                         "people": "Active people"}), hide_index=True)

if person.role != "staff":
    missing = reports.teams_without_manager(db, person)
    st.subheader("Teams without a manager")
    if missing:
        st.warning(f"{len(missing)} team(s) have no active manager: their suggestions have no one to answer them.")
        tables.table(pd.DataFrame(missing, columns=["office", "team"]).rename(
            columns={"office": "Office", "team": "Team"}), hide_index=True)
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
        tables.table(pd.DataFrame({"Email": attention["locked"]}), hide_index=True)
    st.subheader("Recent changes")
    recent = pd.DataFrame([{"When": f"{r['created_at']:%d %b %Y %H:%M}", "Who": r["actor"],
                            "What": r["action"].capitalize(),
                            "Details": reports.readable_change(r["action"], r["detail"] or "")}
                           for r in audit.recent(db, person, 20)], columns=["When", "Who", "What", "Details"])
    tables.table(recent, hide_index=True)
    counts = people.counts(db)
    st.caption(f"{counts['regions']} regions, {counts['offices']} offices, {counts['teams']} teams, "
               f"{counts['active_people']} active people.")
