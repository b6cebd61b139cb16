"""Inbox: what happened to the suggestions I raised (named) or +1'd, newest first, each whole and opening its page."""

import streamlit as st

from board.clock import shown
from board.feedback import inbox
from board.i18n import _, ngettext
from board.web.ui import forms, links, paging, session, suggestion

PAGE = 20  # messages on one page

person = session.page_person("inbox")
db = session.store()
st.title(_("Inbox"))

total = inbox.count(db, person)
if not total:
    st.info(_("No updates yet. You will see here what happens to the suggestions you raise or +1."))
    st.stop()

unread = inbox.unread_count(db, person)
st.text(ngettext("{n} unread", "{n} unread", unread) if unread else _("All read"))
if unread and st.button(_("Mark all as read")) and forms.attempt(lambda: inbox.mark_all_read(db, person)):
    st.rerun()
page = paging.current("inbox")
for update in inbox.updates(db, person, limit=PAGE, offset=(page - 1) * PAGE):
    with st.container(border=True):
        anonymous = update["actor"] == suggestion.ANONYMOUS_AUTHOR
        st.text((_("Unread") + " · " if not update["read"] else "")
                + f"{suggestion.headline(update)} · {shown(update['created_at'], day_only=anonymous)}")
        st.text(_("On #{number}: {title}", number=update["suggestion_id"], title=update["title"]))
        if suggestion.own_note(update):
            st.text(update["note"])
        links.suggestion(update["suggestion_id"],
                         label=_("Open suggestion #{number}", number=update["suggestion_id"]))
paging.controls("inbox", total, PAGE, "messages")
