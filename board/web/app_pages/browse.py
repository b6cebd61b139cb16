"""All suggestions in my scope (my office; a region for regional managers; all for leaders): filter, page, open."""

import streamlit as st

from board.feedback import suggestions
from board.feedback.workflow import KINDS, STATUS_LABELS, STATUSES
from board.i18n import _, category_name, label, ngettext
from board.org import settings
from board.web.ui import links, paging, session, suggestion

person = session.page_person("browse")
db = session.store()
linked = links.requested_id()
if linked is not None:  # an old link (/browse?id=N) opens the suggestion's own page, which checks the scope
    st.switch_page(links.SUGGESTION, query_params={"id": str(linked)})
st.title(_("All suggestions"))

cols = st.columns(4)
status = cols[0].selectbox(_("Status"), [None, *STATUSES],
                           format_func=lambda s: _("Any") if s is None else label(STATUS_LABELS, s))
category = cols[1].selectbox(_("Category"), [None, *settings.load(db).categories],
                             format_func=lambda c: category_name(c) if c else _("Any"))
kind = cols[2].selectbox(_("Kind"), [None, *KINDS], format_func=lambda k: _("Any") if k is None else label(KINDS, k))
text = cols[3].text_input(_("Search words"), max_chars=200)
page = paging.current("browse", (status, category, kind, text))
found = suggestions.browse(db, person, status=status, category=category, kind=kind, text=text,
                           limit=suggestions.PAGE, offset=(page - 1) * suggestions.PAGE)
st.text(ngettext("{n} suggestion", "{n} suggestions", found.total))
if not found.rows:
    st.info(_("No suggestions match. Try fewer filters."))
for row in found.rows:
    suggestion.summary(row)
paging.controls("browse", found.total, suggestions.PAGE, "suggestions")
