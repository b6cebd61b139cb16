"""Follow with a code: the anonymous author sees status, history and replies, and answers, still anonymous."""


import streamlit as st

from board.feedback import attachments, suggestions, triage
from board.i18n import _, format_day, ngettext, pgettext
from board.org import calendar, settings
from board.web.ui import attachments as attachment_ui
from board.web.ui import forms, session, suggestion

person = session.page_person("follow")
db = session.store()
st.title(_("Follow with a code"))
st.write(_("Type the follow-up code you were given when you raised an anonymous suggestion. "
           "Nothing about who opens it is recorded."))

# This browser session's wrong codes and the suggestions it opened: in its memory only, never stored.
tried = st.session_state.setdefault("code_attempts", [])
own = st.session_state.setdefault("own_anonymous", set())

with st.form("code_form"):
    typed = st.text_input(_("Follow-up code"), type="password", max_chars=64)
    if st.form_submit_button(pgettext("button", "Open")):
        st.session_state["follow_code"] = typed  # kept in this session's memory only, never in the URL

code: str = st.session_state.get("follow_code") or ""  # what was typed; empty: nothing to open yet
if not code:
    st.stop()
found = forms.attempt(lambda: suggestions.follow(db, person, code, tried=tried))
if not found:  # a wrong code, or too many of them: typed again, never kept
    st.session_state.pop("follow_code", None)
    st.stop()
row = found.value

if row["held"]:
    st.info(_("Not passed on yet. Anonymous suggestions are passed on together, all at once, the day after they "
              "are written, so nobody can tell from the time who wrote one. Until then only you can see it."))
    st.text(f"{row['title']}\n{row['team']}, {row['office']} · "
            + _("written {day}", day=format_day(row["submitted_on"])))
    st.text(row["description"])
else:
    own.add(row["id"])  # so this session is never offered a +1 on it (no +1 is offered here either)
    suggestion.card(row)
    suggestion.timeline(row["timeline"], yours=True)
if row["waiting"]:
    suggestion.waiting(row["waiting"])
files = forms.attempt(lambda: attachments.with_code(db, person, code, tried=tried))
if files and files.value:
    st.subheader(_("Attachments"))
    attachment_ui.held(files.value, key="follow_files")
if attachment_ui.add_form("follow_attach", lambda uploads: attachments.attach_with_code(
        db, person, code, uploads, tried=tried), anonymous=True):
    st.rerun()

reply = forms.Form("author_reply")
with st.form("author_reply", clear_on_submit=True):
    st.caption(_("Your reply is passed on the next day, together with the day's other anonymous messages."))
    text = st.text_area(_("Reply, still anonymous"), max_chars=suggestions.COMMENT[1])
    reply.field_error("reply")
    if st.form_submit_button(_("Send reply")) and reply.attempt(
            lambda: suggestions.author_reply(db, person, code, text, tried=tried)):
        st.rerun()

sla = settings.load(db).ack_sla_days
escalating = any(w["kind"] == "escalated" for w in row["waiting"])
if not row["held"] and not escalating and triage.author_may_escalate(  # by its office's calendar
        row, sla_days=sla, office=calendar.load(db).of(row["office_id"])):
    st.warning(ngettext("Nobody acknowledged this within {n} working day. You may escalate it to your region.",
                        "Nobody acknowledged this within {n} working days. You may escalate it to your region.", sla))
    escalate = forms.Form("escalate")
    if st.button(_("Escalate to the region")) and escalate.attempt(lambda: triage.escalate_with_code(
            db, person, code, sla_days=sla, tried=tried)):
        st.rerun()
    escalate.field_error("level")
if st.button(_("Close")):
    st.session_state.pop("follow_code", None)
    st.rerun()
