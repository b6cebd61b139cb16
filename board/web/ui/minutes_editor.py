"""The minutes editor: items and actions added in place, the draft saved server-side on every change."""

from __future__ import annotations

import datetime
import secrets

import streamlit as st

from board.meetings import minutes
from board.feedback import suggestions
from board.org import people, settings
from board.org.access import Person
from board.errors import Invalid
from board.web.ui import session
from board.web.ui.forms import field_error, set_errors

FORM = "minutes"


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
    set_errors(FORM, {})


def close_editor() -> None:
    st.session_state.pop("minutes_edit", None)
    set_errors(FORM, {})


def render(person: Person, roster: list[dict], office_id: int) -> None:
    """Draw the editor for the open meeting; saves the draft when anything changed."""
    state = st.session_state["minutes_edit"]
    db, doc, key = session.store(), state["doc"], f"m{state['meeting_id']}"
    names = {p["id"]: f"{p['name']} ({p['team']})" for p in roster}
    ids = list(names)
    day = st.date_input("Meeting date", value=minutes.parse_date(doc["meeting_date"]), key=f"{key}_date",
                        max_value=datetime.date.today(), format="YYYY-MM-DD")
    field_error(FORM, "meeting_date")
    chair = st.selectbox("Chair", ids, index=ids.index(doc["chair_id"]) if doc["chair_id"] in ids else None,
                         format_func=names.get, key=f"{key}_chair")
    field_error(FORM, "chair_id")
    attendees = st.multiselect("Attendees", ids, default=[a for a in doc["attendee_ids"] if a in ids],
                               format_func=names.get, key=f"{key}_attendees")
    field_error(FORM, "attendee_ids")
    new = {"meeting_date": day.isoformat() if day else None, "chair_id": chair, "attendee_ids": attendees,
           "items": [_item(db, person, item, i, key, ids, names, office_id, day) for i, item in enumerate(doc["items"])]}
    field_error(FORM, "items")
    if st.button("Add an item"):
        new["items"].append({**minutes.empty_item(), "uid": _uid()})
    new["items"] = [i for i in new["items"] if not i.pop("remove", False)]
    field_error(FORM, "draft")
    if new != doc:
        state["doc"] = new
        if not state["amend"]:
            try:
                minutes.save_draft(db, person, state["meeting_id"], new)
            except Invalid as error:  # too long to keep: say so beside the editor; the session keeps the text
                set_errors(FORM, error.errors)
        st.rerun()


def _item(db, person, item: dict, i: int, key: str, ids: list, names: dict, office_id: int, day) -> dict:
    path, uid = f"items.{i}", f"{key}_{item['uid']}"
    with st.container(border=True):
        kinds = list(minutes.ITEM_KINDS)
        kind = st.selectbox(f"Item {i + 1}", kinds, index=kinds.index(item["kind"]), format_func=minutes.ITEM_KINDS.get,
                            key=f"{uid}_kind")
        categories = [None, *settings.load(db).categories]
        category = st.selectbox("Category (optional)", categories, key=f"{uid}_category",
                                index=categories.index(item["category"]) if item["category"] in categories else 0,
                                format_func=lambda c: c or "none")
        discussed = st.text_area("What was discussed", value=item["discussed"], key=f"{uid}_discussed",
                                 max_chars=minutes.MAX_TEXT)
        field_error(FORM, f"{path}.discussed")
        solution = st.text_area("Solution or decision", value=item["solution"], key=f"{uid}_solution",
                                max_chars=minutes.MAX_TEXT)
        linked = _links(db, person, item, uid, office_id)
        field_error(FORM, f"{path}.suggestion_ids")
        actions = [_action(a, f"{path}.actions.{j}", f"{uid}_{a['uid']}", ids, names)
                   for j, a in enumerate(item["actions"])]
        actions = [a for a in actions if not a.pop("remove", False)]
        left, right = st.columns(2)
        if left.button("Add an action", key=f"{uid}_add_action"):
            actions.append({**minutes.empty_action(day.isoformat() if day else None), "uid": _uid()})
        remove = right.button("Remove this item", key=f"{uid}_remove")
    return {**item, "kind": kind, "category": category, "discussed": discussed, "solution": solution,
            "suggestion_ids": linked, "actions": actions, "remove": remove}


def _links(db, person, item: dict, uid: str, office_id: int) -> list[int]:
    query = st.text_input("Find suggestions to link", key=f"{uid}_find", max_chars=200)
    found = [r for r in suggestions.browse(db, person, text=query, limit=50).rows if r["office_id"] == office_id]
    titles = {r["id"]: f"#{r['id']} {r['title']}" for r in found}
    options = list(dict.fromkeys([*item["suggestion_ids"], *titles]))
    return st.multiselect("Linked suggestions", options, default=item["suggestion_ids"], key=f"{uid}_links",
                          format_func=lambda s: titles.get(s, f"#{s}"))


def _action(action: dict, path: str, uid: str, ids: list, names: dict) -> dict:
    cols = st.columns([3, 2, 2, 1])
    description = cols[0].text_input("Action", value=action["description"], key=f"{uid}_description",
                                   max_chars=minutes.MAX_ACTION)
    owner = cols[1].selectbox("Owner", ids, index=ids.index(action["owner_id"]) if action["owner_id"] in ids else None,
                              format_func=names.get, key=f"{uid}_owner")
    due = cols[2].date_input("Due", value=minutes.parse_date(action["due_date"]), key=f"{uid}_due", format="YYYY-MM-DD")
    remove = cols[3].button("Remove", key=f"{uid}_remove", disabled=bool(action.get("id")),
                            help="Actions of published minutes are closed by their owner, not removed.")
    for field in ("description", "owner_id", "due_date"):
        field_error(FORM, f"{path}.{field}")
    return {**action, "description": description, "owner_id": owner,
            "due_date": due.isoformat() if due else None, "remove": remove}


def roster_for(db, person: Person, office_id: int) -> list[dict]:
    """Who may be chair, attendee or owner: the office's active people (and the person recording)."""
    everyone = people.list_people(db, person) if person.role != "staff" else []
    chosen = [p for p in everyone if p["office_id"] == office_id or p["id"] == person.id]
    return chosen or [{"id": person.id, "name": person.name, "team": person.team, "office_id": person.office_id}]


def submit(person: Person, today: datetime.date) -> None:
    """Publish the draft or save the amendment; errors go beside their fields and the draft is kept."""
    state, db = st.session_state["minutes_edit"], session.store()
    action = minutes.amend if state["amend"] else minutes.publish
    try:
        action(db, person, state["meeting_id"], state["doc"], today=today, categories=settings.load(db).categories)
    except Invalid as error:
        set_errors(FORM, error.errors)
        st.rerun()
    published = state["meeting_id"]
    close_editor()
    st.session_state["minutes_published"] = published
    st.query_params["id"] = str(published)
    st.rerun()
