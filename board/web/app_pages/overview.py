"""Office overview: per office and calendar month, meetings held, problems discussed, solutions, actions closed on
time; the current month is marked as not over yet."""


import pandas as pd
import streamlit as st

from board.i18n import N_, _, format_percent, today_in_zone
from board.reporting import reports
from board.reporting.export import to_csv
from board.web.ui import session, tables
from board.web.ui.months import month_label, months_back

person = session.page_person("overview")
db = session.store()
today = today_in_zone()
HEADERS = {"region": N_("Region"), "office": N_("Office"), "month": N_("Month"), "meetings": N_("Meetings held"),
           "problems": N_("Problems discussed"), "solutions": N_("Solutions recorded"),
           "actions_due": N_("Actions due"), "closed_on_time_pct": N_("Actions closed on time")}
CSV_PERCENT = N_("Actions closed on time (%)")  # the download's header for the figure without its % sign
st.title(_("Office overview"))
headers = {column: _(header) for column, header in HEADERS.items()}

count = st.slider(_("Months"), min_value=3, max_value=18, value=6)
months = months_back(today, count)
rows = reports.minutes_overview(db, person, months=months, today=today)
if not rows:
    st.text(_("There is no office in your scope."))
    st.stop()
labels = [month_label(m, today) for m in months]
frame = pd.DataFrame(rows, columns=list(HEADERS))
frame["month"] = pd.Categorical([month_label(pd.Timestamp(m).date(), today) for m in frame["month"]],
                                categories=labels, ordered=True)
for column in ("meetings", "problems", "solutions", "actions_due"):
    frame[column] = frame[column].astype(int)
st.caption(_("Meetings held per office and month. Offices that held no meeting in a month show 0; the current month "
             "is not over yet. Actions are counted in the month they fell due."))
units = ["region", "office"] if frame["region"].nunique() > 1 else ["office"]  # one region: no column for it
held = frame.pivot_table(index=units, columns="month", values="meetings", aggfunc="sum",
                         observed=False).reset_index()
held.columns = [headers.get(str(c), str(c)) for c in held.columns]
tables.table(held, hide_index=True)

st.subheader(_("Every figure"))
on_time = frame["closed_on_time_pct"]
shown = frame[[*units, *list(HEADERS)[2:]]].assign(
    closed_on_time_pct=[format_percent(v / 100) if pd.notna(v) else _("no action due") for v in on_time])
tables.table(shown.rename(columns=headers), hide_index=True)
download = frame.assign(closed_on_time_pct=[round(v) if pd.notna(v) else "" for v in on_time])
download = download.rename(columns={**headers, "closed_on_time_pct": _(CSV_PERCENT)})
st.download_button(_("Download CSV"), to_csv(download), "office_overview.csv", "text/csv")
