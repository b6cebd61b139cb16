"""Paging a long list: which page of it to show, and Previous / Next under it (labels are fixed words)."""

from __future__ import annotations

from collections.abc import Hashable

import streamlit as st

from board.i18n import _, format_number, ngettext


def _position(noun: str, first: int, last: int, total: int, page: int, pages: int) -> str:
    """"11-20 of 238 suggestions · page 2 of 24": one whole sentence for each thing a list counts (the total
    decides the plural form); a noun without its own sentence is shown as given."""
    numbers = {"first": format_number(first), "last": format_number(last), "page": format_number(page),
               "pages": format_number(pages)}
    if noun == "messages":
        return ngettext("{first}-{last} of {n} message · page {page} of {pages}",
                        "{first}-{last} of {n} messages · page {page} of {pages}", total, **numbers)
    if noun == "actions":
        return ngettext("{first}-{last} of {n} action · page {page} of {pages}",
                        "{first}-{last} of {n} actions · page {page} of {pages}", total, **numbers)
    if noun == "suggestions":
        return ngettext("{first}-{last} of {n} suggestion · page {page} of {pages}",
                        "{first}-{last} of {n} suggestions · page {page} of {pages}", total, **numbers)
    if noun == "solutions":
        return ngettext("{first}-{last} of {n} solution · page {page} of {pages}",
                        "{first}-{last} of {n} solutions · page {page} of {pages}", total, **numbers)
    if noun:
        return ngettext("{first}-{last} of {n} {things} · page {page} of {pages}",
                        "{first}-{last} of {n} {things} · page {page} of {pages}", total, things=noun, **numbers)
    return ngettext("{first}-{last} of {n} · page {page} of {pages}", "{first}-{last} of {n} · page {page} of {pages}",
                    total, **numbers)


def current(key: str, filters: Hashable = ()) -> int:
    """The page (from 1) the person is on in the list `key`; back to 1 whenever the filters change."""
    if st.session_state.get(f"{key}__filters") != filters:
        st.session_state[f"{key}__filters"] = filters
        st.session_state[f"{key}__page"] = 1
    return int(st.session_state.get(f"{key}__page", 1))


def page_of(rows: list, key: str, filters: Hashable = (), per_page: int = 10) -> list:
    """The rows of the page the person is on (for a list already in memory), with the pager under it drawn by
    `controls` once the rows are shown."""
    page = min(current(key, filters), max(1, -(-len(rows) // per_page)))
    st.session_state[f"{key}__page"] = page
    return rows[(page - 1) * per_page: page * per_page]


def controls(key: str, total: int, per_page: int = 10, noun: str = "") -> None:
    """"11-20 of 238" and Previous / Next buttons; nothing when everything fits on one page."""
    pages = max(1, -(-total // per_page))
    if pages == 1:
        return
    page = min(int(st.session_state.get(f"{key}__page", 1)), pages)
    first, last = (page - 1) * per_page + 1, min(page * per_page, total)
    st.text(_position(noun, first, last, total, page, pages))
    left, right = st.columns(2)
    left.button(_("Previous"), key=f"{key}__previous", disabled=page == 1, on_click=_go, args=(key, page - 1),
                width="stretch")
    right.button(_("Next"), key=f"{key}__next", disabled=page == pages, on_click=_go, args=(key, page + 1),
                 width="stretch")


def _go(key: str, page: int) -> None:
    st.session_state[f"{key}__page"] = page
