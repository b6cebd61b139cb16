"""My actions: the action items I own from meeting minutes, as cards; managers also find their unit's open ones,
by unit, owner or overdue, a page at a time."""

import datetime

import pandas as pd
import streamlit as st

from board.meetings import actions
from board.org.access import MANAGERS_UP
from board.web.ui import links, paging, session, tables

person = session.page_person("my_actions")
db = session.store()
today = datetime.date.today()
SCOPE = {"manager": "team", "regional_manager": "region", "leader": "organisation"}
st.title("My actions")


def card(row: dict, *, owner: bool = False) -> None:
    """One action: what, when, where from, and its links (typed text only through st.text)."""
    with st.container(border=True):
        st.text(row["description"])
        st.text(f"{actions.STATUS_LABELS[row['status']]} · {actions.due_words(row, today)}")
        st.text(f"{row['owner']} · {row['unit']}" if owner else row["unit"])
        links.action(row["id"], label="Open this action")
        links.meeting(row["meeting_id"], row["meeting_date"])


show = st.radio("Show", list(actions.SHOW), format_func=actions.SHOW.get, horizontal=True, key="mine_show")
late = st.toggle("Overdue only", key="mine_overdue", disabled=show in ("done", "dropped"))
mine = actions.mine(db, person, today=today, status=show, overdue_only=late and show not in ("done", "dropped"))
if not mine:
    st.text("Nothing to show." if show != "open" or late else "You own no open actions.")
for row in paging.page_of(mine, "mine", (show, late)):
    card(row)
paging.controls("mine", len(mine), noun="actions")

if person.role in MANAGERS_UP:
    st.subheader(f"Open actions of your {SCOPE[person.role]}")
    units = actions.team_units(db, person, today=today)
    st.text(f"{sum(u['open'] for u in units)} open, {sum(u['overdue'] for u in units)} overdue")
    if len(units) > 1:
        frame = pd.DataFrame(units, columns=["unit", "open", "overdue"])
        tables.table(frame.rename(columns={"unit": "Unit", "open": "Open", "overdue": "Overdue"}), hide_index=True,
                     height=min(36 * (len(units) + 1) + 2, 250))
    if units:
        by_unit = {(u["office_id"], u["team_id"]): u for u in units}
        unit = st.selectbox("Unit", [None, *by_unit], key="team_unit",
                            format_func=lambda k: "Every unit" if k is None else
                            f"{by_unit[k]['unit']} ({by_unit[k]['open']} open)") if len(units) > 1 else None
        owners = {o["owner_id"]: o for o in actions.team_owners(db, person, today=today)}
        owner = st.selectbox("Owner", [None, *owners], key="team_owner",
                             format_func=lambda k: "Everyone" if k is None else
                             f"{owners[k]['owner']} ({owners[k]['open']} open)")
        team_late = st.toggle("Overdue only", key="team_overdue")
        office_id, team_id = unit if unit else (None, None)
        team = actions.team_open(db, person, today=today, office_id=office_id, team_id=team_id, owner_id=owner,
                                 overdue_only=team_late)
        if not team:
            st.text("No open action matches.")
        for row in paging.page_of(team, "team", (unit, owner, team_late)):
            card(row, owner=True)
        paging.controls("team", len(team), noun="actions")
