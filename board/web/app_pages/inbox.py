"""Inbox: what happened to the suggestions I raised (named) or +1'd, newest first, each whole and opening its page."""

import streamlit as st

from board.clock import shown
from board.feedback import inbox
from board.web.ui import forms, links, paging, session, suggestion

PAGE = 20  # messages on one page

person = session.page_person("inbox")
db = session.store()
st.title("Inbox")

total = inbox.count(db, person)
if not total:
    st.info("No updates yet. You will see here what happens to the suggestions you raise or +1.")
    st.stop()

unread = inbox.unread_count(db, person)
st.text(f"{unread} unread" if unread else "All read")
if unread and st.button("Mark all as read") and forms.attempt(lambda: inbox.mark_all_read(db, person)):
    st.rerun()
page = paging.current("inbox")
for update in inbox.updates(db, person, limit=PAGE, offset=(page - 1) * PAGE):
    with st.container(border=True):
        anonymous = update["actor"] == suggestion.ANONYMOUS_AUTHOR
        st.text(("Unread · " if not update["read"] else "")
                + f"{suggestion.headline(update)} · {shown(update['created_at'], day_only=anonymous)}")
        st.text(f"On #{update['suggestion_id']}: {update['title']}")
        if suggestion.own_note(update):
            st.text(update["note"])
        links.suggestion(update["suggestion_id"], label=f"Open suggestion #{update['suggestion_id']}")
paging.controls("inbox", total, PAGE, "messages")
