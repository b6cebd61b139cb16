"""Published minutes, read-only: the heading, the items of the current version, and any earlier version as it
was saved. Everything a person wrote (and every name) goes through st.text, never markdown; every mention of a
suggestion or an action is a link (board.web.ui.links)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st

from board.clock import shown
from board.i18n import _, category_name, format_date, format_day, in_viewer_zone, offset_name
from board.meetings import minutes, review
from board.org.access import Person
from board.web.ui import attachments as attachment_ui
from board.web.ui import forms, links


def heading(meeting: dict) -> None:
    """The unit, the day, the chair, the version and who attended."""
    st.text(_("{unit} · {day} · chair: {chair} · version {version}", unit=meeting["unit"],
              day=format_date(meeting["meeting_date"], "dd MMMM y"), chair=meeting["chair"] or _("not named"),
              version=meeting["version"]))
    st.text(_("Attendees: {names}", names=", ".join(meeting["attendees"]) or _("none listed")))


def items(listed: list[dict], today: datetime.date, *, current: bool = True, files: dict[int, list[dict]] | None = None,
          open_file: Callable[[str], bytes] | None = None, remove: Callable[[str], Any] | None = None,
          attach: Callable[[int, list], Any] | None = None) -> bool:
    """Each item: its kind and category, what was discussed, the solution, the linked suggestions, the actions
    with their owner and due date, and its attachments (`files`: {item id: rows}, read with `open_file`; `remove`
    offered on those the viewer may remove; `attach(item id, uploads)`: the form to add more, for the person who
    recorded the minutes). `current`: the minutes as they are now, so each action shows its status and links to
    its page (an earlier version's actions may have changed or been removed since). True after files were added
    or removed (the page then reruns)."""
    changed = False
    for number, item in enumerate(listed, start=1):
        with st.container(border=True):
            category = f" · {category_name(item['category'])}" if item.get("category") else ""
            kind = _(minutes.ITEM_KINDS[item["kind"]]) if item["kind"] in minutes.ITEM_KINDS else _("Item")
            st.text(f"{number}. {kind}{category}")
            st.text(item["discussed"])
            if item.get("solution"):
                st.caption(_("Solution or decision"))
                st.text(item["solution"])
            if item.get("suggestion_ids"):
                st.caption(_("Linked suggestions"))
                for suggestion_id in item["suggestion_ids"]:
                    links.suggestion(suggestion_id, label=_("Suggestion #{number}", number=suggestion_id))
            for action in item.get("actions", []):
                _action(action, today, current=current and action.get("id") is not None)
            if current and item.get("id") is not None:
                changed = _files(item["id"], (files or {}).get(item["id"], []), open_file, remove, attach) or changed
    return changed


def _files(item_id: int, rows: list[dict], open_file: Callable[[str], bytes] | None,
           remove: Callable[[str], Any] | None, attach: Callable[[int, list], Any] | None) -> bool:
    """An item's attachments, and the form to add more when `attach` is given."""
    changed = False
    if rows and open_file is not None:
        st.caption(_("Attachments"))
        changed = attachment_ui.gallery(rows, open_file, key=f"item_{item_id}_files", remove=remove)
    if attach is not None:
        with st.expander(_("Attach screenshots or files to this item")):
            changed = attachment_ui.add_form(f"item_{item_id}_attach", partial(attach, item_id)) or changed
    return changed


def _action(action: dict, today: datetime.date, *, current: bool) -> None:
    with st.container(border=True):
        st.caption(_("Action"))
        st.text(action["description"])
        due = minutes.parse_date(action.get("due_date"))
        line = " · ".join((_("Owner: {owner}", owner=action.get("owner") or _(minutes.FORMER)),
                           _("due {day}", day=format_day(due)) if due else _("no due date")))
        st.text(f"{line} · {minutes.action_status(action, today)}" if current else line)
        if current:
            links.action(action["id"])


def reviews(meeting: dict) -> None:
    """The regional reviews of the minutes, oldest first, each verdict in words with its comment."""
    for verdict in meeting["reviews"]:
        said = _(review.VERDICTS[verdict["verdict"]]) if verdict["verdict"] in review.VERDICTS else _("Reviewed")
        st.text(_("Review by {reviewer} on {day}: {verdict}", reviewer=verdict["reviewer"],
                  day=format_day(verdict["created_at"]), verdict=said))
        if verdict["comment"]:
            st.text(verdict["comment"])


def history(db, viewer: Person, meeting: dict, today: datetime.date) -> None:
    """Who saved each version and when; an earlier one chosen is shown below as it was saved."""
    if len(meeting["versions"]) < 2:
        return
    saved = {v["version"]: v for v in meeting["versions"]}
    st.text(_("History: {versions}", versions="; ".join(
        _("v{version} {time} by {author}", version=n, time=shown(v["created_at"], day_only=False), author=v["author"])
        for n, v in saved.items())))
    earlier = [n for n in saved if n != meeting["version"]]
    chosen = st.selectbox(_("Show an earlier version"), earlier, index=None, placeholder=_("Choose a version"),
                          format_func=lambda n: _("Version {version}, saved {time}", version=n,
                                                  time=shown(saved[n]["created_at"], day_only=False)),
                          key=f"minutes_version_{meeting['id']}")
    if chosen is None:
        return
    content = forms.attempt(lambda: minutes.version_content(db, viewer, meeting["id"], chosen))
    if content:
        _version(content.value, saved[chosen], today)


def _version(content: dict, saved: dict, today: datetime.date) -> None:
    day = minutes.parse_date(content.get("meeting_date"))
    with st.container(border=True):
        local = in_viewer_zone(saved["created_at"])
        st.text(_("Version {version}, saved on {day} at {time} by {author}", version=saved["version"],
                  day=format_date(local, "dd MMMM y"), time=f"{local:%H:%M} {offset_name(local)}",
                  author=saved["author"]))
        st.text(_("Meeting of {day}", day=format_date(day, "dd MMMM y")) if day else _("Meeting date not given"))
        st.text(_("Chair: {chair}", chair=content.get("chair") or _("not named")))
        st.text(_("Attendees: {names}", names=", ".join(content.get("attendees", [])) or _("none listed")))
        items(content.get("items", []), today, current=False)
