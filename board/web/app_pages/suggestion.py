"""One suggestion at /suggestion?id=N: what it is, where it stands, the conversation, and what the viewer may do."""


import streamlit as st

from board.clock import utcnow
from board.feedback import attachments, suggestions, triage
from board.i18n import _, ngettext, pgettext
from board.org import calendar, settings
from board.web.ui import attachments as attachment_ui
from board.web.ui import forms, links, session, suggestion, triage_form

person = session.page_person("suggestion")
db = session.store()
requested = links.requested_id()
if requested is None:
    st.title(_("Suggestion"))
    st.info(_("Open a suggestion from All suggestions, My suggestions or your Inbox."))
    st.page_link("app_pages/browse.py", label=_("All suggestions"))
    st.stop()
chosen: int = requested
row = forms.attempt(lambda: suggestions.get(db, person, chosen)).or_stop()  # out of scope: one line, nothing else
events = suggestions.timeline(db, chosen)
office = calendar.load(db).of(row["office_id"])  # its deadlines follow its office's calendar
st.title(_("Suggestion #{number}", number=chosen))
suggestion.card(row)

own = st.session_state.get("own_anonymous", set())  # opened with its code in this session: the author's own
if row["author_id"] != person.id and chosen not in own:
    if row["voted"]:
        st.text(_("You +1'd this: its updates come to your inbox."))
    elif suggestion.is_open(row) and st.button(
            "+1", help=_("Say you see the same problem; you will get its updates in your inbox.")):
        if forms.attempt(lambda: suggestions.vote(db, person, chosen, own_anonymous=own)):
            st.rerun()

sla = settings.load(db).ack_sla_days
if row["author_id"] == person.id and triage.author_may_escalate(row, sla_days=sla, office=office):
    st.warning(ngettext("Nobody acknowledged this within {n} working day. You may escalate it to your region.",
                        "Nobody acknowledged this within {n} working days. You may escalate it to your region.", sla))
    if st.button(_("Escalate to the region")) and forms.attempt(
            lambda: triage.escalate_as_author(db, person, chosen, sla_days=sla)):
        st.rerun()

files = attachments.for_suggestion(db, person, chosen)
if files:
    st.subheader(_("Attachments"))
if attachment_ui.gallery(files, attachment_ui.reader(db, person), key="suggestion_files",
                         remove=lambda file: attachments.remove(db, person, file)):
    st.rerun()
if attachments.may_attach(person, row) and attachment_ui.add_form(
        "suggestion_attach", lambda uploads: attachments.attach_to_suggestion(db, person, chosen, uploads)):
    st.rerun()

suggestion.minutes(suggestions.discussed_in(db, person, chosen))
suggestion.history(events)
suggestion.thread(events, author_id=row["author_id"])

form = forms.Form("comment")
with st.form("comment", clear_on_submit=True):
    note = st.text_area(_("Add a comment"), max_chars=suggestions.COMMENT[1])
    form.field_error("comment")
    if st.form_submit_button(pgettext("button", "Comment")) and form.attempt(
            lambda: suggestions.comment(db, person, chosen, note)):
        st.rerun()

triage_form.render(db, person, row, today=office.today(utcnow()))  # drawn only for a viewer who may act on it
