"""The minutes editor: items and actions added in place, the draft saved server-side on every change.

The editor is a fragment: a change in it reruns the editor alone, not the page (the navigation, the sidebar and
the page around it stay as they are), and adding or removing an item or an action is a callback that changes
the document before the editor draws it, so no change needs a second run. Every run that changed the document
saves the draft, so nothing typed is lost; a reload opens the newest draft again (app_pages/minutes.py)."""

from __future__ import annotations

import datetime
import secrets

import streamlit as st

from board.errors import BoardError
from board.feedback import suggestions
from board.i18n import N_, _, category_name, format_day, today_in_zone
from board.meetings import actions, minutes
from board.org import people, settings
from board.org.access import Person
from board.web.ui import forms, links, session
from board.web.ui.choose import select_or_none

FORM = "minutes"  # publishing or amending: the fields' messages
DRAFT = "minutes_draft"  # saving the draft as the author types: its own message, so a save never clears the above
CLOSED = "minutes_carried_closed"  # what closing an earlier meeting's action gave, shown once
CLOSED_AS = {"done": N_("Action #{number} marked done."), "dropped": N_("Action #{number} marked dropped.")}


def _uid() -> str:
    return secrets.token_hex(4)


def open_editor(meeting_id: int, person: Person) -> None:
    """Load a draft (or published minutes, to amend) into this session's editor."""
    doc = minutes.load_for_editing(session.store(), person, meeting_id)
    for item in doc["items"]:
        item.setdefault("uid", _uid())
        for action in item["actions"]:
            action.setdefault("uid", _uid())
    st.session_state["minutes_edit"] = {"meeting_id": meeting_id, "doc": doc,
                                        "amend": any(i.get("id") for i in doc["items"])}
    st.query_params.pop("id", None)  # a reload comes back to the editor (the newest draft), not to other minutes
    forms.Form(FORM).forget()
    forms.Form(DRAFT).forget()


def close_editor() -> None:
    st.session_state.pop("minutes_edit", None)
    forms.Form(FORM).forget()
    forms.Form(DRAFT).forget()


@st.fragment
def editor() -> None:
    """The open editor (the page has checked that it holds the person's own minutes), with the open actions of
    the unit's earlier meetings, Publish (or Save amendment) and Close."""
    person = session.page_person("minutes")  # each run of the fragment checks the session again
    state = st.session_state.get("minutes_edit")
    if state is None:
        return
    db, today = session.store(), today_in_zone()
    st.subheader(_("Amend published minutes") if state["amend"] else _("Draft minutes (saved as you type)"))
    office_id = minutes.meeting_unit(db, state["meeting_id"])["office_id"]
    if not state["amend"]:
        carried(db, person, state["meeting_id"], today)
    form = forms.Form(FORM)
    render(form, person, roster_for(db, person, office_id), office_id)
    form.field_error("status")
    left, right = st.columns(2)
    if left.button(_("Save amendment") if state["amend"] else _("Publish"), type="primary"):
        submit(form, person, today)
    if right.button(_("Close the editor") if state["amend"] else _("Close the editor (the draft is kept)")):
        amended = state["meeting_id"] if state["amend"] else None
        close_editor()
        if amended is not None:
            st.query_params["id"] = str(amended)
        st.rerun()


def render(form: forms.Form, person: Person, roster: list[dict], office_id: int) -> None:
    """Draw the editor for the open meeting, with `form`'s places for the publishing messages; saves the draft
    when anything changed (and again on the next run while a save was refused)."""
    state = st.session_state["minutes_edit"]
    db, doc, key = session.store(), state["doc"], f"m{state['meeting_id']}"
    names = {p["id"]: f"{p['name']} ({p['team']})" for p in roster}
    ids = list(names)
    day = st.date_input(_("Meeting date"), value=minutes.parse_date(doc["meeting_date"]), key=f"{key}_date",
                        max_value=today_in_zone(), format="YYYY-MM-DD")
    form.field_error("meeting_date")
    chair = st.selectbox(_("Chair"), ids, index=ids.index(doc["chair_id"]) if doc["chair_id"] in ids else None,
                         format_func=lambda i: names[i], key=f"{key}_chair", placeholder=_("Choose the chair"))
    form.field_error("chair_id")
    attendees = st.multiselect(_("Attendees"), ids, default=[a for a in doc["attendee_ids"] if a in ids],
                               format_func=lambda i: names[i], key=f"{key}_attendees")
    form.field_error("attendee_ids")
    items = [_item(form, db, person, item, i, key, ids, names, office_id) for i, item in enumerate(doc["items"])]
    form.field_error("items")
    st.button(_("Add an item"), on_click=_add_item)
    if not state["amend"]:
        st.caption(_("Screenshots and files can be attached to each item once the minutes are published."))
    new = {"meeting_date": day.isoformat() if day else None, "chair_id": chair, "attendee_ids": attendees,
           "items": items}
    draft = forms.Form(DRAFT)
    draft.field_error("draft")
    if new != doc or state.get("unsaved"):
        state["doc"] = new  # the session keeps the text even when the store does not take it
        if not state["amend"]:
            # Refused (too long to keep, the store busy): the reason shows here and the next run tries again.
            state["unsaved"] = not draft.attempt(lambda: minutes.save_draft(db, person, state["meeting_id"], new))


def _item(form: forms.Form, db, person, item: dict, i: int, key: str, ids: list, names: dict,
          office_id: int) -> dict:
    path, uid = f"items.{i}", f"{key}_{item['uid']}"
    with st.container(border=True):
        kinds = list(minutes.ITEM_KINDS)
        kind = st.selectbox(_("Item {number}", number=i + 1), kinds, index=kinds.index(item["kind"]),
                            format_func=lambda k: _(minutes.ITEM_KINDS[k]), key=f"{uid}_kind")
        form.field_error(f"{path}.kind")
        category = select_or_none(st, _("Category (optional)"), settings.load(db).categories, none=_("none"),
                                  format_func=category_name, value=item["category"], key=f"{uid}_category")
        form.field_error(f"{path}.category")
        discussed = st.text_area(_("What was discussed"), value=item["discussed"], key=f"{uid}_discussed",
                                 max_chars=minutes.MAX_TEXT)
        form.field_error(f"{path}.discussed")
        solution = st.text_area(_("Solution or decision"), value=item["solution"], key=f"{uid}_solution",
                                max_chars=minutes.MAX_TEXT)
        form.field_error(f"{path}.solution")
        linked = _links(db, person, item, uid, office_id)
        form.field_error(f"{path}.suggestion_ids")
        acts = [_action(form, a, item["uid"], f"{path}.actions.{j}", f"{uid}_{a['uid']}", ids, names)
                for j, a in enumerate(item["actions"])]
        left, right = st.columns(2)
        left.button(_("Add an action"), key=f"{uid}_add_action", on_click=_add_action, args=(item["uid"], key))
        right.button(_("Remove this item"), key=f"{uid}_remove", on_click=_remove_item, args=(item["uid"],))
    return {**item, "kind": kind, "category": category, "discussed": discussed, "solution": solution,
            "suggestion_ids": linked, "actions": acts}


def _links(db, person, item: dict, uid: str, office_id: int) -> list[int]:
    query = st.text_input(_("Find suggestions to link"), key=f"{uid}_find", max_chars=200)
    found = [r for r in suggestions.browse(db, person, text=query, limit=50).rows if r["office_id"] == office_id]
    titles = {r["id"]: f"#{r['id']} {r['title']}" for r in found}
    options = list(dict.fromkeys([*item["suggestion_ids"], *titles]))
    return st.multiselect(_("Linked suggestions"), options, default=item["suggestion_ids"], key=f"{uid}_links",
                          format_func=lambda s: titles.get(s, f"#{s}"))


def _action(form: forms.Form, action: dict, item_uid: str, path: str, uid: str, ids: list, names: dict) -> dict:
    cols = st.columns([3, 2, 2, 1])
    description = cols[0].text_input(_("Action"), value=action["description"], key=f"{uid}_description",
                                     max_chars=minutes.MAX_ACTION)
    owner = cols[1].selectbox(_("Owner"), ids,
                              index=ids.index(action["owner_id"]) if action["owner_id"] in ids else None,
                              format_func=lambda i: names[i], key=f"{uid}_owner", placeholder=_("Choose the owner"))
    due = cols[2].date_input(_("Due"), value=minutes.parse_date(action["due_date"]), key=f"{uid}_due",
                             format="YYYY-MM-DD")
    cols[3].button(_("Remove"), key=f"{uid}_remove", disabled=bool(action.get("id")),
                   on_click=_remove_action, args=(item_uid, action["uid"]),
                   help=_("Actions of published minutes are closed by their owner, not removed."))
    for field in ("description", "owner_id", "due_date"):
        form.field_error(f"{path}.{field}")
    return {**action, "description": description, "owner_id": owner, "due_date": due.isoformat() if due else None}


# --- adding and removing: callbacks, run before the editor draws the document they change ----------------------

def _items() -> list[dict]:
    """The open document's items, for a callback that changes them (the next run saves the draft)."""
    state = st.session_state["minutes_edit"]
    state["unsaved"] = True
    return state["doc"]["items"]


def _add_item() -> None:
    _items().append({**minutes.empty_item(), "uid": _uid()})


def _remove_item(item_uid: str) -> None:
    _items()[:] = [i for i in _items() if i["uid"] != item_uid]


def _add_action(item_uid: str, key: str) -> None:
    """A new action, due by default one week after the meeting date as it stands in the editor now."""
    day = st.session_state.get(f"{key}_date") or minutes.parse_date(st.session_state["minutes_edit"]["doc"]
                                                                    ["meeting_date"])
    new = {**minutes.empty_action(day.isoformat() if day else None, today=today_in_zone()), "uid": _uid()}
    for item in _items():
        if item["uid"] == item_uid:
            item["actions"] = [*item["actions"], new]


def _remove_action(item_uid: str, action_uid: str) -> None:
    for item in _items():
        if item["uid"] == item_uid:
            item["actions"] = [a for a in item["actions"] if a["uid"] != action_uid or a.get("id")]


# --- open actions of earlier meetings ---------------------------------------------------------------------------

def carried(db, person: Person, meeting_id: int, today: datetime.date) -> None:
    """The open actions agreed in the unit's earlier minutes, to go through in this meeting: each with its owner,
    due date and link; the author may mark one done or dropped here (actions.close's rules). They are not copied
    into the new minutes: an action stays with the meeting that agreed it, and is listed here until it is closed."""
    rows = forms.attempt(lambda: minutes.carried_actions(db, person, meeting_id, today=today)).value or []
    outcome = st.session_state.pop(CLOSED, None)
    if not rows and not outcome:
        return
    with st.expander(_("Open actions from earlier meetings ({count})", count=len(rows)), expanded=True):
        if outcome:
            _outcome(outcome)
        for row in rows:
            with st.container(border=True):
                st.text(row["description"])
                facts = [_("Owner: {owner}", owner=row["owner"]), _("due {day}", day=format_day(row["due_date"])),
                         *([_("overdue")] if row["overdue"] else []),
                         _("agreed on {day}", day=format_day(row["meeting_date"]))]
                st.text(" · ".join(facts))
                link, close = st.columns(2, vertical_alignment="center")
                with link:
                    links.action(row["id"])
                with close.popover(_("Mark done or dropped")):
                    st.text_input(_("Note (required when dropped)"), key=f"carried_{row['id']}_note", max_chars=2000)
                    st.button(_("Mark done"), key=f"carried_{row['id']}_done", on_click=_close,
                              args=(row["id"], "done"))
                    st.button(_("Mark dropped"), key=f"carried_{row['id']}_dropped", on_click=_close,
                              args=(row["id"], "dropped"))


def _close(action_id: int, to: str) -> None:
    """Close an earlier meeting's action as the person signed in now (a callback runs before the page checks the
    session again); the outcome is shown once, above the list (our messages only). A callback also runs before
    the page sets the viewer's language, so our own words are kept as what happened and put in words when shown."""
    try:
        person = session.identify(session.store()).person
        if person is not None:
            actions.close(session.store(), person, action_id, to, st.session_state.get(f"carried_{action_id}_note", ""))
    except BoardError as error:
        messages = getattr(error, "errors", None) or {"": forms.one_line(error)}
        st.session_state[CLOSED] = {"error": " ".join(messages.values())}
        return
    st.session_state[CLOSED] = {"to": to, "number": action_id} if person is not None else {"signed_out": True}


def _outcome(outcome: dict) -> None:
    """What closing an earlier meeting's action gave (see _close)."""
    if "to" in outcome:
        st.success(_(CLOSED_AS[outcome["to"]], number=outcome["number"]))
    elif "signed_out" in outcome:
        st.error(_("You are signed out. Sign in again to change this action."))
    else:
        st.error(outcome["error"])


def roster_for(db, person: Person, office_id: int) -> list[dict]:
    """Who may be chair, attendee or owner: the office's active people (and the person recording)."""
    everyone = people.list_people(db, person) if person.role != "staff" else []
    chosen = [p for p in everyone if p["office_id"] == office_id or p["id"] == person.id]
    return chosen or [{"id": person.id, "name": person.name, "team": person.team, "office_id": person.office_id}]


def submit(form: forms.Form, person: Person, today: datetime.date) -> None:
    """Publish the draft or save the amendment; a refusal shows beside the fields (`form`, drawn by render)
    and the draft is kept."""
    state, db = st.session_state["minutes_edit"], session.store()
    action = minutes.amend if state["amend"] else minutes.publish
    if not form.attempt(lambda: action(db, person, state["meeting_id"], state["doc"], today=today,
                                       categories=settings.load(db).categories)):
        return
    published = state["meeting_id"]
    close_editor()
    st.session_state["minutes_published"] = published
    st.query_params["id"] = str(published)
    st.rerun()
