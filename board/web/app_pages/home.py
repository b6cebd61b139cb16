"""Home: who the signed-in person is here, what needs their attention (as cards of links), what changed because of
their office's suggestions, and by role the offices, teams without a manager and the admin's recent changes."""


import pandas as pd
import streamlit as st

from board.clock import shown
from board.feedback import inbox, triage
from board.feedback.workflow import STATUS_LABELS
from board.i18n import _, format_day, ngettext
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


def _sentence(words: str) -> str:
    """Words as the start of a sentence ("roster imported" -> "Roster imported")."""
    return words[:1].upper() + words[1:]


def card(page: str, label: str, icon: str, detail: str) -> None:
    """One to-do: a link (short fixed words and numbers, so it is not cut off on a phone) and a line under it."""
    with st.container(border=True):
        st.page_link(page, label=label, icon=icon, width="stretch")
        st.caption(detail)


def todo() -> list[tuple[str, str, str, str]]:
    """(page, label, icon, detail) of each thing the person could do now, the most pressing last but one."""
    items = [("app_pages/raise_suggestion.py", _("Raise a suggestion"), ":material/add_comment:",
              _("An improvement, or a problem you see coming; named or anonymous."))]
    unread = inbox.unread_count(db, person)
    if unread:
        items.append(("app_pages/inbox.py", _("Inbox: {unread} unread", unread=unread), ":material/inbox:",
                      _("Updates on suggestions you raised or +1'd.")))
    if person.role in MANAGERS_UP:
        counts = triage.queue_counts(db, person, sla_days=config.ack_sla_days)
        items.append(("app_pages/triage.py", _("Triage: {open} open, {overdue} overdue", open=counts["open"],
                                                overdue=counts["overdue"]),
                      ":material/assignment:", _("Suggestions in your queue waiting for an answer.")))
    mine = actions.mine(db, person)
    if mine:
        late = sum(1 for a in mine if a["overdue"])
        items.append(("app_pages/my_actions.py", _("My actions: {open} open, {overdue} overdue", open=len(mine),
                                                   overdue=late),
                      ":material/task_alt:", _("Actions from meeting minutes that you own.")))
    if person.role == "regional_manager":
        waiting = review.queue(db, person)
        items.append(("app_pages/review.py", _("Review queue: {waiting} waiting", waiting=len(waiting)),
                      ":material/fact_check:",
                      _("Minutes waiting for your review; {calm} of them discussed no problem.",
                        calm=sum(r["no_problems"] for r in waiting))))
    if not pulse.has_answered(db, person, length_days=config.pulse_period_days):
        items.append(("app_pages/pulse.py", _("Answer the morale pulse"), ":material/favorite:",
                      _("This period's pulse takes a minute and is anonymous.")))
    return items


st.title(_("Home"))
st.text(_("Welcome, {name}.", name=person.name) + f"\n{role_and_place(person)}")
if person.role in TEAM_ROLES:
    team = reports.team_summary(db, person)
    st.text(_("Your team has {size} active people; manager: {managers}.", size=team["size"],
              managers=", ".join(team["managers"]) or _("none yet")))

items = todo()
for start in range(0, len(items), 3):  # rows of three cards; a phone stacks them in this order
    for column, item in zip(st.columns(3), items[start:start + 3], strict=False):
        with column:
            card(*item)

if person.role in ("manager", "regional_manager"):
    follow_up = [v for v in review.verdicts_for_author(db, person) if v["verdict"] == "needs_follow_up"][:3]
    if follow_up:
        st.warning(_("Minutes you recorded need follow-up:"))
    for verdict in follow_up:
        st.text(_("{day}, review by {reviewer}: {comment}", day=format_day(verdict["meeting_date"]),
                  reviewer=verdict["reviewer"], comment=verdict["comment"]))

st.subheader(_("You said, we did"))
changes = reports.you_said_we_did(db, person)
if not changes:
    st.caption(_("Nothing raised in your office has been planned or put in place yet. What should change?"))
for row in changes:
    with st.container(border=True):
        st.text(f"#{row['id']} {row['title']}")
        status = _(STATUS_LABELS[row["status"]])
        moved = _("{status} on {day}", status=status, day=format_day(row["moved_on"])) if row["moved_on"] else status
        yours = row["own_team"] and person.role in TEAM_ROLES
        st.caption(moved + (" · " + _("your team") if yours else ""))
        raised = _("raised by {name}", name=row["author"]) if row["author"] else _("raised anonymously")
        st.text(f"{row['team']}, {row['office']} · {raised}")
        if row["what_changed"]:
            st.text(_("What changed: {text}", text=row["what_changed"]))
        elif row["latest_answer"]:
            st.text(_("Latest answer: {text}", text=row["latest_answer"]))
        links.suggestion(row["id"], icon=":material/open_in_new:")

if person.role in ("regional_manager", "leader", "admin"):
    st.subheader(_("Offices"))
    offices = pd.DataFrame(reports.offices_in_scope(db, person), columns=["region", "office", "teams", "people"])
    tables.table(offices.rename(columns={"region": _("Region"), "office": _("Office"), "teams": _("Teams"),
                                         "people": _("Active people")}), hide_index=True)

if person.role != "staff":
    missing = reports.teams_without_manager(db, person)
    st.subheader(_("Teams without a manager"))
    if missing:
        st.warning(ngettext("{n} team(s) have no active manager: their suggestions have no one to answer them.",
                            "{n} team(s) have no active manager: their suggestions have no one to answer them.",
                            len(missing)))
        tables.table(pd.DataFrame(missing, columns=["office", "team"]).rename(
            columns={"office": _("Office"), "team": _("Team")}), hide_index=True)
    else:
        st.success(_("Every team in your scope has an active manager."))

if person.role == "admin":
    attention = reports.admin_attention(db, person)
    st.subheader(_("Accounts"))
    if session.auth_config() is None:
        st.write(ngettext("{n} active people have no password yet (set one under Accounts and roles).",
                          "{n} active people have no password yet (set one under Accounts and roles).",
                          attention["without_password"]))
    if attention["locked"]:
        st.warning(_("Sign-in is paused after repeated failures for:"))
        tables.table(pd.DataFrame({_("Email"): attention["locked"]}), hide_index=True)
    st.subheader(_("Recent changes"))
    columns = [_("When"), _("Who"), _("What"), _("Details")]
    recent = pd.DataFrame([dict(zip(columns, (shown(r["created_at"], day_only=False), r["actor"],
                                              _sentence(audit.action_words(r["action"])),
                                              reports.readable_change(r["action"], r["detail"] or "")), strict=True))
                           for r in audit.recent(db, person, 20)], columns=columns)
    tables.table(recent, hide_index=True)
    counts = people.counts(db)
    st.caption(_("{regions} regions, {offices} offices, {teams} teams, {people} active people.",
                 regions=counts["regions"], offices=counts["offices"], teams=counts["teams"],
                 people=counts["active_people"]))
