"""My suggestions: a card for each suggestion I raised by name (where it stands, who owns it, the latest reply),
each opening its own page."""

import datetime

import streamlit as st

from board.feedback import suggestions, triage
from board.feedback.workflow import STATUS_LABELS
from board.org import settings
from board.web.ui import links, session, suggestion

person = session.page_person("my_suggestions")
db = session.store()
st.title("My suggestions")
st.caption("Anonymous suggestions are not listed here, so that nothing ties them to you. Follow each one with "
           "the code you were given when you raised it, under Follow with a code.")
st.page_link("app_pages/follow.py", label="Follow an anonymous suggestion with its code")

rows = suggestions.mine(db, person)
if not rows:
    st.info("You have not raised anything by name yet. Raise a suggestion: it takes a minute.")
    st.stop()

sla = settings.load(db).ack_sla_days
today = datetime.date.today()
for row in rows:
    with st.container(border=True):
        links.suggestion(row["id"], label=f"#{row['id']}")
        st.text(row["title"])
        days = row["days_waiting"]
        age = ("raised today" if not days else f"{days} day" + ("s" if days != 1 else "")
               + (" waiting for an answer" if row["status"] == "new" else " since it was raised"))
        st.text(f"{STATUS_LABELS[row['status']]} · {suggestion.owner_text(row)} · "
                + (age if suggestion.is_open(row) else f"raised {row['created_at']:%d %b %Y}")
                + f" · {suggestion.plus_ones(row['votes'])}")
        if row["latest_reply"]:
            st.caption("Latest reply")
            st.text(row["latest_reply"])
        if triage.author_may_escalate(row, today=today, sla_days=sla):
            st.text(f"Nobody acknowledged this within {sla} working days: open it to escalate it to your region.")
