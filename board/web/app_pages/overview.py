"""Office overview: per office and month, meetings held, problems discussed, solutions, actions closed on time."""

import datetime

import pandas as pd
import streamlit as st

from board.reporting import reports
from board.reporting.export import to_csv
from board.web.ui import session, tables

person = session.page_person("overview")
db = session.store()
st.title("Office overview")

months_back = st.slider("Months", min_value=3, max_value=18, value=6)
first = datetime.date.today().replace(day=1)
months = [(first - datetime.timedelta(days=31 * i)).replace(day=1) for i in range(months_back)][::-1]
rows = reports.minutes_overview(db, person, months=months, today=datetime.date.today())
frame = pd.DataFrame(rows)
frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
st.caption("Offices that held no meeting in a month show 0. Actions are counted in the month they fell due.")
tables.table(frame.pivot_table(index=["region", "office"], columns="month", values="meetings", aggfunc="sum"))
st.subheader("Every figure")
tables.table(frame, hide_index=True)
st.download_button("Download CSV", to_csv(frame), "office_overview.csv", "text/csv")
