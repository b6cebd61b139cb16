"""The one triage form: answer the author, move the status to any reachable target (each step still recorded),
name an owner and set a due date, then confirm what will happen. Drawn wherever a manager meets a suggestion
they may act on (its own page, the triage page); nothing is drawn for anyone else.

Names and replies are typed text: they appear only in st.text lines and as select options, never in a label."""

from __future__ import annotations

import datetime

import streamlit as st

from board.feedback import suggestions, triage
from board.feedback.workflow import STATUS_LABELS, path_to, reachable
from board.org import people
from board.org.access import Person, in_scope
from board.web.ui import forms


def render(db, person: Person, row: dict, *, today: datetime.date) -> None:
    """The triage form for a suggestion (a row of suggestions.get or triage.queue), if the viewer may act on it
    (the scope rule of triage's actions); otherwise nothing."""
    if not in_scope(person, "act_on_suggestion", row):
        return
    _form(db, person, row, today)


@st.fragment
def _form(db, person: Person, row: dict, today: datetime.date) -> None:
    # A fragment: choosing a status (which shows or hides the duplicate field), Continue and Cancel rerun the form
    # alone, not the page. It reads the suggestion again, so it always starts from the stored status.
    fresh = forms.attempt(lambda: suggestions.get(db, person, row["id"]))
    if not fresh:
        return
    row, key = fresh.value, f"triage_{row['id']}"
    if st.session_state.pop(f"{key}_reset", False):
        # After a change is applied the fields start empty: new widget keys, since a browser keeps what a widget
        # showed when only its session state is dropped (a second Continue would send the same reply again).
        st.session_state[f"{key}_drawn"] = st.session_state.get(f"{key}_drawn", 0) + 1
    drawn = st.session_state.get(f"{key}_drawn", 0)
    fields = f"{key}_{drawn}" if drawn else key
    # The status this person saw when the form was last drawn: a change made meanwhile (by anyone, through any
    # server) is then refused with a message instead of being applied on top of a status they never saw.
    seen = st.session_state.get(f"{key}_seen", row["status"])
    st.session_state[f"{key}_seen"] = row["status"]
    form = forms.Form(key)
    st.subheader("Answer and move")
    done = st.session_state.pop(f"{key}_done", None)
    if done:
        st.success(done)
    changes = _fields(db, person, row, form, key, fields, today)
    pending = st.session_state.get(f"{key}_pending")
    if pending is not None:
        pending = _confirm(db, person, row, form, pending, key, today)
    slot = st.empty()
    if pending is None and slot.button("Continue", key=f"{key}_continue", type="primary"):
        changes["expected"] = seen
        checked = form.attempt(lambda: triage.plan(db, person, row["id"], **changes, today=today))
        if checked:
            slot.empty()  # while the summary waits for Confirm or Cancel
            st.session_state[f"{key}_pending"] = {"changes": changes, "plan": checked.value}
            _confirm(db, person, row, form, st.session_state[f"{key}_pending"], key, today)
    form.field_error("changes")
    if triage.can_escalate(person, row):
        _escalation(db, person, row, key)


def _fields(db, person: Person, row: dict, form: forms.Form, key: str, fields: str, today: datetime.date) -> dict:
    """Draw the fields (widget keys start with `fields`); what they hold, as triage.act takes it (None or "": leave
    as it is)."""
    targets = reachable(row["status"])
    to = None
    if targets:
        to = st.selectbox("New status", [None, *targets], key=f"{fields}_status",
                          format_func=lambda s: _status_option(row["status"], s), on_change=_drop_pending, args=(key,))
        form.field_error("status")
    original = None
    if to == "duplicate":
        original = st.number_input("Original suggestion #", min_value=1, step=1, value=None, key=f"{fields}_original",
                                   placeholder="The number of the suggestion this one repeats",
                                   on_change=_drop_pending, args=(key,))
        form.field_error("duplicate_of")
    reply = st.text_area("Reply to the author (when declining, the reason)", key=f"{fields}_reply",
                         max_chars=suggestions.COMMENT[1], on_change=_drop_pending, args=(key,))
    form.field_error("reply")
    left, right = st.columns(2)
    with left:
        candidates = {p["id"]: f"{p['name']} ({p['team']}, {p['office']})" for p in people.list_people(db, person)
                      if p["region_id"] == row["region_id"]}
        # No preselection: a stray click must not assign anyone.
        owner = st.selectbox("Owner", list(candidates), index=None, format_func=lambda i: candidates[i],
                             placeholder="Keep the current owner" if row.get("owner") else "Nobody yet",
                             key=f"{fields}_owner", on_change=_drop_pending, args=(key,))
        st.text(f"Owner now: {row['owner']}" if row.get("owner") else "No owner yet")
        form.field_error("owner")
    with right:
        due = st.date_input("Due date (optional)", value=None, min_value=today, key=f"{fields}_due",
                            on_change=_drop_pending, args=(key,))
        st.text(f"Due now: {row['due_date']:%d %b %Y}" if row.get("due_date") else "No due date yet")
        form.field_error("due_date")
    return {"to": to, "reply": reply or "", "owner_id": owner, "due": due,
            "duplicate_of": int(original) if original is not None else None}


def _confirm(db, person: Person, row: dict, form: forms.Form, pending: dict, key: str,
             today: datetime.date) -> dict | None:
    """The summary of what will happen, with Confirm (apply, all or nothing) and Cancel (change nothing); the
    change still waiting for an answer, or None once it was refused (the fields are then corrected and checked
    again). On success the page is drawn again from what is stored."""
    box = st.empty()
    with box.container(border=True):
        st.markdown("**Please check and confirm**")
        st.text(summary(pending["plan"]))
        left, right = st.columns(2)
        confirmed = left.button("Confirm", key=f"{key}_confirm", type="primary")
        right.button("Cancel", key=f"{key}_cancel", on_click=_drop_pending, args=(key,))
    if not confirmed:
        return pending
    st.session_state.pop(f"{key}_pending", None)
    box.empty()
    applied = form.attempt(lambda: triage.act(db, person, row["id"], **pending["changes"], today=today))
    if applied:
        st.session_state[f"{key}_done"] = _done(applied.value)
        st.session_state[f"{key}_reset"] = True
        st.rerun()
    return None


def _escalation(db, person: Person, row: dict, key: str) -> None:
    with st.expander("Escalate one level up"):
        escalate_form = forms.Form(f"{key}_escalate")
        reason = st.text_input("Why escalate? (optional)", max_chars=500, key=f"{key}_escalate_note")
        escalate_form.field_error("note")
        escalate_form.field_error("level")
        if st.button("Escalate", key=f"{key}_escalate") and escalate_form.attempt(
                lambda: triage.escalate(db, person, row["id"], note=reason)):
            st.session_state[f"{key}_done"] = f"Escalated #{row['id']} one level up."
            st.rerun()


def _drop_pending(key: str) -> None:
    """A field changed after Continue: the summary no longer says what would happen, so it goes."""
    st.session_state.pop(f"{key}_pending", None)


def _status_option(start: str, status: str | None) -> str:
    if status is None:
        return f"Keep as is ({STATUS_LABELS[start]})"
    through = (path_to(start, status) or ())[:-1]
    return STATUS_LABELS[status] + (f" (through {', '.join(STATUS_LABELS[s] for s in through)})" if through else "")


def summary(plan: triage.Plan) -> str:
    """What a checked triage act will do, in one sentence: "Move #12 from New to Planned (through Acknowledged,
    Under review); reply to the author; owner: Ana Owens; due 16 Dec 2026." (it may hold a name: show it with
    st.text)."""
    parts = []
    if plan.steps:
        through = plan.steps[:-1]
        parts.append(f"move #{plan.suggestion_id} from {STATUS_LABELS[plan.start]} to {STATUS_LABELS[plan.target]}"
                     + (f" (through {', '.join(STATUS_LABELS[s] for s in through)})" if through else "")
                     + (f" as a duplicate of #{plan.duplicate_of}, where its +1s go" if plan.duplicate_of else ""))
    if plan.reply:
        parts.append("give the author the reason" if plan.target == "declined" and plan.steps
                     else "reply to the author")
    if plan.owner:
        parts.append(f"owner: {plan.owner}")
    if plan.due:
        parts.append(f"due {plan.due:%d %b %Y}")
    text = "; ".join(parts) if plan.steps else f"for #{plan.suggestion_id}: " + "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _done(plan: triage.Plan) -> str:
    """The success message: fixed words and numbers only (st.success renders markdown)."""
    if plan.steps:
        return f"Saved: #{plan.suggestion_id} is now {STATUS_LABELS[plan.target].lower()}."
    return f"Saved your changes to #{plan.suggestion_id}."
