"""All suggestions in my scope (my office; a region for regional managers; all for leaders): filter, page, open."""

import streamlit as st

from board.feedback import suggestions
from board.feedback.workflow import KINDS, STATUS_LABELS, STATUSES
from board.i18n import _, category_name, label, ngettext
from board.org import settings
from board.web.ui import links, paging, session, suggestion
from board.web.ui.choose import select_or_none

person = session.page_person("browse")
db = session.store()
linked = links.requested_id()
if linked is not None:  # an old link (/browse?id=N) opens the suggestion's own page, which checks the scope
    st.switch_page(links.SUGGESTION, query_params={"id": str(linked)})
st.title(_("All suggestions"))

cols = st.columns(4)
status = select_or_none(cols[0], _("Status"), STATUSES, none=_("Any"), format_func=lambda s: label(STATUS_LABELS, s))
category = select_or_none(cols[1], _("Category"), settings.load(db).categories, none=_("Any"),
                          format_func=category_name)
kind = select_or_none(cols[2], _("Kind"), KINDS, none=_("Any"), format_func=lambda k: label(KINDS, k))
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
