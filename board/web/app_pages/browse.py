"""Suggestions in my scope (my office; a region for regional managers; all for leaders): filter, +1, comment."""

import streamlit as st

from board.feedback import suggestions
from board.feedback.workflow import KINDS, STATUS_LABELS, STATUSES
from board.org import settings
from board.web.ui import forms, session, suggestion

person = session.page_person("browse")
db = session.store()
st.title("Suggestions")

cols = st.columns(4)
status = cols[0].selectbox("Status", [None, *STATUSES], format_func=lambda s: STATUS_LABELS.get(s, "Any"))
category = cols[1].selectbox("Category", [None, *settings.load(db).categories], format_func=lambda c: c or "Any")
kind = cols[2].selectbox("Kind", [None, *KINDS], format_func=lambda k: KINDS.get(k, "Any"))
text = cols[3].text_input("Search words", max_chars=200)
found = suggestions.browse(db, person, status=status, category=category, kind=kind, text=text)
st.text(f"{found.total} suggestion(s)" + (f", newest {len(found.rows)} shown" if found.total > len(found.rows) else ""))
suggestion.summary_table(found.rows, extra=("level",))

ids = [r["id"] for r in found.rows]
linked = st.query_params.get("id")
wanted = int(linked) if linked and linked.isdigit() else None
if wanted is not None and wanted not in ids:
    ids.insert(0, wanted)  # opened from a link: the scope check below decides
if not ids:
    st.stop()
if wanted is not None and wanted != st.session_state.get("browse_linked"):
    st.session_state["browse_open"] = wanted  # a link just opened (even to one of the newest): show that one
chosen = st.selectbox("Open a suggestion", ids, key="browse_open", format_func=lambda i: f"#{i}")
st.query_params["id"] = str(chosen)
st.session_state["browse_linked"] = chosen  # the URL now says this: only a different link overrides a pick
row = forms.attempt(lambda: suggestions.get(db, person, chosen)).or_stop()

suggestion.card(row)
own = st.session_state.get("own_anonymous", set())  # opened with its code in this session: the author's own
if row["author_id"] != person.id and chosen not in own:
    if row["voted"]:
        st.text("You +1'd this.")
    elif st.button("+1", help="Say you see the same problem; you will get its updates in your inbox."):
        if forms.attempt(lambda: suggestions.vote(db, person, chosen, own_anonymous=own)):
            st.rerun()
suggestion.timeline(suggestions.timeline(db, chosen))

form = forms.Form("comment")
with st.form("comment", clear_on_submit=True):
    note = st.text_area("Add a comment", max_chars=suggestions.COMMENT[1])
    form.field_error("comment")
    if st.form_submit_button("Comment") and form.attempt(lambda: suggestions.comment(db, person, chosen, note)):
        st.rerun()
