"""One suggestion at /suggestion?id=N: what it is, where it stands, the conversation, and what the viewer may do."""

import streamlit as st

from board.feedback import suggestions
from board.web.ui import forms, links, session, suggestion

person = session.page_person("suggestion")
db = session.store()
st.title("Suggestion")
chosen = links.requested_id()
if chosen is None:
    st.info("Open a suggestion from All suggestions, My suggestions or your Inbox.")
    st.page_link("app_pages/browse.py", label="All suggestions")
    st.stop()
row = forms.attempt(lambda: suggestions.get(db, person, chosen)).or_stop()
suggestion.card(row)
suggestion.timeline(suggestions.timeline(db, chosen))
