"""People in my scope: a manager's team, a regional manager's region, everyone for leaders and admins."""

import pandas as pd
import streamlit as st

from board.i18n import N_, _, ngettext
from board.org import people
from board.org.access import ROLE_LABELS
from board.web.ui import session, tables

HEADERS = {"name": N_("Name"), "email": N_("Email"), "role": N_("Role"), "team": N_("Team"), "office": N_("Office"),
           "region": N_("Region"), "active": N_("Active")}

person = session.page_person("people")
st.title(_("People"))
show_inactive = st.toggle(_("Include people who have left"), value=False)
rows = people.list_people(session.store(), person, include_inactive=show_inactive)
st.text(ngettext("{n} people", "{n} people", len(rows)))
listed = pd.DataFrame(rows, columns=list(HEADERS))
listed["role"] = listed["role"].map(lambda role: _(ROLE_LABELS[role]) if role in ROLE_LABELS else None)  # not its key
tables.table(listed.rename(columns={column: _(header) for column, header in HEADERS.items()}), hide_index=True)
