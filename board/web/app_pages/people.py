"""People in my scope: a manager's team, a regional manager's region, everyone for leaders and admins."""

import pandas as pd
import streamlit as st

from board.org import people
from board.org.access import ROLE_LABELS
from board.web.ui import session, tables

person = session.page_person("people")
st.title("People")
show_inactive = st.toggle("Include people who have left", value=False)
rows = people.list_people(session.store(), person, include_inactive=show_inactive)
st.text(f"{len(rows)} people")
listed = pd.DataFrame(rows, columns=["name", "email", "role", "team", "office", "region", "active"])
listed["role"] = listed["role"].map(ROLE_LABELS.get)  # "Regional manager", not its key
tables.table(listed, hide_index=True)
