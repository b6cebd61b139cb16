"""Settings > Languages (admins): the organisation's default language, and a name for each category in each shipped
language. The rules are board.org.settings.save_languages'."""

from __future__ import annotations

import streamlit as st

from board import i18n
from board.i18n import _
from board.org import settings
from board.org.access import Person
from board.org.settings import Settings
from board.web.ui import forms


def render(db, admin: Person, current: Settings) -> None:
    st.subheader(_("Languages"))
    st.caption(_("People see the app in their own choice of language (My account), else their browser's if it is "
                 "one of these, else the default below. What people write is never translated."))
    form = forms.Form("languages")
    others = [locale for locale in i18n.SHIPPED if locale != i18n.SOURCE]
    with st.form("languages"):
        default = st.selectbox(_("Default language"), i18n.SHIPPED, format_func=i18n.language_name,
                               index=i18n.SHIPPED.index(current.default_locale)
                               if current.default_locale in i18n.SHIPPED else 0)
        form.field_error("default_locale")
        st.markdown("**" + _("Category names per language") + "**")
        st.caption(_("Leave a name empty to show the category as it is written."))
        names: dict[str, dict[str, str]] = {}
        for category in current.categories:
            columns = st.columns(len(others) + 1)
            columns[0].text(category)
            for column, locale in zip(columns[1:], others, strict=True):
                names.setdefault(category, {})[locale] = column.text_input(
                    _("{category} in {language}", category=category, language=i18n.language_name(locale)),
                    value=current.category_names.get(category, {}).get(locale, ""), max_chars=40,
                    key=f"category_name_{locale}_{category}")
        form.field_error("category_names")
        if st.form_submit_button(_("Save languages")) and form.attempt(lambda: settings.save_languages(
                db, admin, default_locale=default, category_names=names)):
            st.session_state["languages__saved"] = True
            st.rerun()
    if st.session_state.pop("languages__saved", None):
        st.success(_("Languages saved."))
