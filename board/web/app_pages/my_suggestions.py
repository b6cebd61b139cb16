"""My suggestions: a card for each suggestion I raised by name (where it stands, who owns it, the latest reply),
each opening its own page."""


import streamlit as st

from board.feedback import suggestions, triage
from board.feedback.workflow import STATUS_LABELS
from board.i18n import _, format_day, ngettext
from board.org import calendar, settings
from board.web.ui import links, session, suggestion

person = session.page_person("my_suggestions")
db = session.store()
st.title(_("My suggestions"))
st.caption(_("Anonymous suggestions are not listed here, so that nothing ties them to you. Follow each one with "
             "the code you were given when you raised it, under Follow with a code."))
st.page_link("app_pages/follow.py", label=_("Follow an anonymous suggestion with its code"))

rows = suggestions.mine(db, person)
if not rows:
    st.info(_("You have not raised anything by name yet. Raise a suggestion: it takes a minute."))
    st.stop()

sla = settings.load(db).ack_sla_days
offices = calendar.load(db)  # each suggestion's deadlines follow its office's calendar
for row in rows:
    with st.container(border=True):
        links.suggestion(row["id"], label=f"#{row['id']}")
        st.text(row["title"])
        days = row["days_waiting"]
        if not days:
            age = _("raised today")
        elif row["status"] == "new":
            age = ngettext("{n} day waiting for an answer", "{n} days waiting for an answer", days)
        else:
            age = ngettext("{n} day since it was raised", "{n} days since it was raised", days)
        st.text(f"{_(STATUS_LABELS[row['status']])} · {suggestion.owner_text(row)} · "
                + (age if suggestion.is_open(row) else _("raised {day}", day=format_day(row["created_at"])))
                + f" · {suggestion.plus_ones(row['votes'])}")
        if row["latest_reply"]:
            st.caption(_("Latest reply"))
            st.text(row["latest_reply"])
        if triage.author_may_escalate(row, sla_days=sla, office=offices.of(row["office_id"])):
            st.text(ngettext("Nobody acknowledged this within {n} working day: open it to escalate it to your "
                             "region.",
                             "Nobody acknowledged this within {n} working days: open it to escalate it to your "
                             "region.", sla))
