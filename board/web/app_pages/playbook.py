"""Playbook: solutions from meeting minutes and implemented suggestions, searchable by everyone."""

import streamlit as st

from board.meetings import playbook
from board.org import settings
from board.web.ui import session

person = session.page_person("playbook")
db = session.store()
st.title("Playbook")
st.caption("What other teams found that works. Open the source where you are allowed to read it.")

cols = st.columns([3, 1, 1])
text = cols[0].text_input("Search words", max_chars=200)
category = cols[1].selectbox("Category", [None, *settings.load(db).categories], format_func=lambda c: c or "Any")
kind = cols[2].selectbox("Kind", [None, *playbook.PLAYBOOK_KINDS],
                        format_func=lambda k: playbook.PLAYBOOK_KINDS.get(k, "Any"))
rows = playbook.search(db, person, text=text, category=category, kind=kind)
st.text(f"{len(rows)} solution(s)")
for row in rows:
    with st.container(border=True):
        st.text(f"{playbook.PLAYBOOK_KINDS[row['kind']]} · {row['category'] or 'no category'} · {row['office']}"
                f" · {row['day']}")
        st.text(row["problem"])
        st.text("Solution: " + row["solution"])
        page = "app_pages/minutes.py" if row["source"] == "minutes" else "app_pages/browse.py"
        if row["can_open"]:
            st.page_link(page, label=f"Open the {row['source']} #{row['source_id']}",
                         query_params={"id": row["source_id"]})
