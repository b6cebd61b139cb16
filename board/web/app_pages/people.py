"""People in my scope: a manager's team, a regional manager's region, everyone for leaders and admins."""

import pandas as pd
import streamlit as st

from board.org import people
from board.web.ui import session, tables

person = session.page_person("people")
st.title("People")
show_inactive = st.toggle("Include people who have left", value=False)
rows = people.list_people(session.store(), person, include_inactive=show_inactive)
st.text(f"{len(rows)} people")
tables.table(
    pd.DataFrame(rows, columns=["name", "email", "role", "team", "office", "region", "active"]),
    hide_index=True,
)
