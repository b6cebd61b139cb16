"""The minutes editor: items and actions added in place, the draft saved server-side on every change."""

from __future__ import annotations

import datetime
import secrets

import streamlit as st

from board.feedback import suggestions
from board.meetings import minutes
from board.org import people, settings
from board.org.access import Person
from board.web.ui import forms, session

FORM = "minutes"  # publishing or amending: the fields' messages
DRAFT = "minutes_draft"  # saving the draft as the author types: its own message, so a save never clears the above


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
    forms.Form(FORM).forget()
    forms.Form(DRAFT).forget()


def close_editor() -> None:
    st.session_state.pop("minutes_edit", None)
    forms.Form(FORM).forget()
    forms.Form(DRAFT).forget()


def render(form: forms.Form, person: Person, roster: list[dict], office_id: int) -> None:
    """Draw the editor for the open meeting, with `form`'s places for the publishing messages; saves the draft
    when anything changed (and again on the next run while a save was refused)."""
    state = st.session_state["minutes_edit"]
    db, doc, key = session.store(), state["doc"], f"m{state['meeting_id']}"
    names = {p["id"]: f"{p['name']} ({p['team']})" for p in roster}
    ids = list(names)
    day = st.date_input("Meeting date", value=minutes.parse_date(doc["meeting_date"]), key=f"{key}_date",
                        max_value=datetime.date.today(), format="YYYY-MM-DD")
    form.field_error("meeting_date")
    chair = st.selectbox("Chair", ids, index=ids.index(doc["chair_id"]) if doc["chair_id"] in ids else None,
                         format_func=lambda i: names[i], key=f"{key}_chair")
    form.field_error("chair_id")
    attendees = st.multiselect("Attendees", ids, default=[a for a in doc["attendee_ids"] if a in ids],
                               format_func=lambda i: names[i], key=f"{key}_attendees")
    form.field_error("attendee_ids")
    items = [_item(form, db, person, item, i, key, ids, names, office_id, day) for i, item in enumerate(doc["items"])]
    form.field_error("items")
    if st.button("Add an item"):
        items.append({**minutes.empty_item(), "uid": _uid()})
    items = [i for i in items if not i.pop("remove", False)]
    new = {"meeting_date": day.isoformat() if day else None, "chair_id": chair, "attendee_ids": attendees,
           "items": items}
    draft = forms.Form(DRAFT)
    draft.field_error("draft")
    changed = new != doc
    if changed or state.get("unsaved"):
        state["doc"] = new  # the session keeps the text even when the store does not take it
        if not state["amend"]:
            # Refused (too long to keep, the store busy): the reason shows here and the next run tries again.
            state["unsaved"] = not draft.attempt(lambda: minutes.save_draft(db, person, state["meeting_id"], new))
        if changed and not state.get("unsaved"):
            st.rerun()


def _item(form: forms.Form, db, person, item: dict, i: int, key: str, ids: list, names: dict, office_id: int,
          day) -> dict:
    path, uid = f"items.{i}", f"{key}_{item['uid']}"
    with st.container(border=True):
        kinds = list(minutes.ITEM_KINDS)
        kind = st.selectbox(f"Item {i + 1}", kinds, index=kinds.index(item["kind"]),
                            format_func=lambda k: minutes.ITEM_KINDS[k], key=f"{uid}_kind")
        form.field_error(f"{path}.kind")
        categories = [None, *settings.load(db).categories]
        category = st.selectbox("Category (optional)", categories, key=f"{uid}_category",
                                index=categories.index(item["category"]) if item["category"] in categories else 0,
                                format_func=lambda c: c or "none")
        form.field_error(f"{path}.category")
        discussed = st.text_area("What was discussed", value=item["discussed"], key=f"{uid}_discussed",
                                 max_chars=minutes.MAX_TEXT)
        form.field_error(f"{path}.discussed")
        solution = st.text_area("Solution or decision", value=item["solution"], key=f"{uid}_solution",
                                max_chars=minutes.MAX_TEXT)
        form.field_error(f"{path}.solution")
        linked = _links(db, person, item, uid, office_id)
        form.field_error(f"{path}.suggestion_ids")
        actions = [_action(form, a, f"{path}.actions.{j}", f"{uid}_{a['uid']}", ids, names)
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


def _action(form: forms.Form, action: dict, path: str, uid: str, ids: list, names: dict) -> dict:
    cols = st.columns([3, 2, 2, 1])
    description = cols[0].text_input("Action", value=action["description"], key=f"{uid}_description",
                                   max_chars=minutes.MAX_ACTION)
    owner = cols[1].selectbox("Owner", ids, index=ids.index(action["owner_id"]) if action["owner_id"] in ids else None,
                              format_func=lambda i: names[i], key=f"{uid}_owner")
    due = cols[2].date_input("Due", value=minutes.parse_date(action["due_date"]), key=f"{uid}_due", format="YYYY-MM-DD")
    remove = cols[3].button("Remove", key=f"{uid}_remove", disabled=bool(action.get("id")),
                            help="Actions of published minutes are closed by their owner, not removed.")
    for field in ("description", "owner_id", "due_date"):
        form.field_error(f"{path}.{field}")
    return {**action, "description": description, "owner_id": owner,
            "due_date": due.isoformat() if due else None, "remove": remove}


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
