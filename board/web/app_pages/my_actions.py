"""My actions: the action items I own from meeting minutes, as cards; managers also find their unit's open ones,
by unit, owner or overdue, a page at a time. Overdue and "due today" follow each action's office's local day."""

import pandas as pd
import streamlit as st

from board.i18n import N_, _, ngettext
from board.meetings import actions
from board.org.access import MANAGERS_UP
from board.web.ui import links, paging, session, tables
from board.web.ui.choose import select_or_none

person = session.page_person("my_actions")
db = session.store()
# The heading of a manager's unit's actions, by role (one whole sentence each).
SCOPE = {"manager": N_("Open actions of your team"), "regional_manager": N_("Open actions of your region"),
         "leader": N_("Open actions of your organisation")}
HEADERS = {"unit": N_("Unit"), "open": N_("Open"), "overdue": N_("Overdue")}
st.title(_("My actions"))


def card(row: dict, *, owner: bool = False) -> None:
    """One action: what, when, where from, and its links (typed text only through st.text)."""
    with st.container(border=True):
        st.text(row["description"])
        st.text(f"{_(actions.STATUS_LABELS[row['status']])} · {actions.due_words(row)}")
        st.text(f"{row['owner']} · {row['unit']}" if owner else row["unit"])
        links.action(row["id"], label=_("Open this action"))
        links.meeting(row["meeting_id"], row["meeting_date"])


def with_open(name: str, count: int) -> str:
    """A unit or a person with how many open actions: "Billing team, Dublin (3 open)"."""
    return ngettext("{name} ({n} open)", "{name} ({n} open)", count, name=name)


show = st.radio(_("Show"), list(actions.SHOW), format_func=lambda value: _(actions.SHOW[value]), horizontal=True,
                key="mine_show")
late = st.toggle(_("Overdue only"), key="mine_overdue", disabled=show in ("done", "dropped"))
mine = actions.mine(db, person, status=show, overdue_only=late and show not in ("done", "dropped"))
if not mine:
    st.text(_("Nothing to show.") if show != "open" or late else _("You own no open actions."))
for row in paging.page_of(mine, "mine", (show, late)):
    card(row)
paging.controls("mine", len(mine), noun="actions")

if person.role in MANAGERS_UP:
    st.subheader(_(SCOPE[person.role]))
    units = actions.team_units(db, person)
    st.text(_("{open} open, {overdue} overdue", open=sum(u["open"] for u in units),
              overdue=sum(u["overdue"] for u in units)))
    if len(units) > 1:
        frame = pd.DataFrame(units, columns=["unit", "open", "overdue"])
        tables.table(frame.rename(columns={column: _(header) for column, header in HEADERS.items()}),
                     hide_index=True, height=min(36 * (len(units) + 1) + 2, 250))
    if units:
        by_unit = {(u["office_id"], u["team_id"]): u for u in units}
        unit = select_or_none(st, _("Unit"), by_unit, none=_("Every unit"), key="team_unit",
                              format_func=lambda k: with_open(by_unit[k]["unit"], by_unit[k]["open"])) \
            if len(units) > 1 else None
        owners = {o["owner_id"]: o for o in actions.team_owners(db, person)}
        owner = select_or_none(st, _("Owner"), owners, none=_("Everyone"), key="team_owner",
                               format_func=lambda k: with_open(owners[k]["owner"], owners[k]["open"]))
        team_late = st.toggle(_("Overdue only"), key="team_overdue")
        office_id, team_id = unit if unit else (None, None)
        team = actions.team_open(db, person, office_id=office_id, team_id=team_id, owner_id=owner,
                                 overdue_only=team_late)
        if not team:
            st.text(_("No open action matches."))
        for row in paging.page_of(team, "team", (unit, owner, team_late)):
            card(row, owner=True)
        paging.controls("team", len(team), noun="actions")
