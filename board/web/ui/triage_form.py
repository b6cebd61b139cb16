"""The one triage form: answer the author, move the status to any reachable target (each step still recorded),
name an owner and set a due date, then confirm what will happen. Drawn wherever a manager meets a suggestion
they may act on (its own page, the triage page); nothing is drawn for anyone else.

Names and replies are typed text: they appear only in st.text lines and as select options, never in a label."""

from __future__ import annotations

import datetime

import streamlit as st

from board.feedback import suggestions, triage
from board.feedback.workflow import STATUS_LABELS, path_to, reachable
from board.i18n import _, format_day
from board.org import people
from board.org.access import Person, in_scope
from board.web.ui import forms
from board.web.ui.choose import select_or_none


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
    st.subheader(_("Answer and move"))
    done = st.session_state.pop(f"{key}_done", None)
    if done:
        st.success(done)
    changes = _fields(db, person, row, form, key, fields, today)
    pending = st.session_state.get(f"{key}_pending")
    if pending is not None:
        pending = _confirm(db, person, row, form, pending, key, today)
    slot = st.empty()
    if pending is None and slot.button(_("Continue"), key=f"{key}_continue", type="primary"):
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
        to = select_or_none(st, _("New status"), targets, none=_status_option(row["status"], None),
                            format_func=lambda s: _status_option(row["status"], s), key=f"{fields}_status",
                            on_change=_drop_pending, args=(key,))
        form.field_error("status")
    original = None
    if to == "duplicate":
        original = st.number_input(_("Original suggestion #"), min_value=1, step=1, value=None,
                                   key=f"{fields}_original",
                                   placeholder=_("The number of the suggestion this one repeats"),
                                   on_change=_drop_pending, args=(key,))
        form.field_error("duplicate_of")
    reply = st.text_area(_("Reply to the author (when declining, the reason)"), key=f"{fields}_reply",
                         max_chars=suggestions.COMMENT[1], on_change=_drop_pending, args=(key,))
    form.field_error("reply")
    left, right = st.columns(2)
    with left:
        candidates = {p["id"]: f"{p['name']} ({p['team']}, {p['office']})" for p in people.list_people(db, person)
                      if p["region_id"] == row["region_id"]}
        # No preselection: a stray click must not assign anyone.
        owner = st.selectbox(_("Owner"), list(candidates), index=None, format_func=lambda i: candidates[i],
                             placeholder=_("Keep the current owner") if row.get("owner") else _("Nobody yet"),
                             key=f"{fields}_owner", on_change=_drop_pending, args=(key,))
        st.text(_("Owner now: {owner}", owner=row["owner"]) if row.get("owner") else _("No owner yet"))
        form.field_error("owner")
    with right:
        due = st.date_input(_("Due date (optional)"), value=None, min_value=today, key=f"{fields}_due",
                            on_change=_drop_pending, args=(key,))
        st.text(_("Due now: {day}", day=format_day(row["due_date"])) if row.get("due_date") else _("No due date yet"))
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
        st.markdown("**" + _("Please check and confirm") + "**")
        st.text(summary(pending["plan"]))
        left, right = st.columns(2)
        confirmed = left.button(_("Confirm"), key=f"{key}_confirm", type="primary")
        right.button(_("Cancel"), key=f"{key}_cancel", on_click=_drop_pending, args=(key,))
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
    with st.expander(_("Escalate one level up")):
        escalate_form = forms.Form(f"{key}_escalate")
        reason = st.text_input(_("Why escalate? (optional)"), max_chars=500, key=f"{key}_escalate_note")
        escalate_form.field_error("note")
        escalate_form.field_error("level")
        if st.button(_("Escalate"), key=f"{key}_escalate") and escalate_form.attempt(
                lambda: triage.escalate(db, person, row["id"], note=reason)):
            st.session_state[f"{key}_done"] = _("Escalated #{number} one level up.", number=row["id"])
            st.rerun()


def _drop_pending(key: str) -> None:
    """A field changed after Continue: the summary no longer says what would happen, so it goes."""
    st.session_state.pop(f"{key}_pending", None)


def _names(statuses) -> str:
    """Statuses as a list in words ("Acknowledged, Under review")."""
    return ", ".join(_(STATUS_LABELS[s]) for s in statuses)


def _status_option(start: str, status: str | None) -> str:
    if status is None:
        return _("Keep as is ({status})", status=_(STATUS_LABELS[start]))
    through = (path_to(start, status) or ())[:-1]
    if through:
        return _("{status} (through {statuses})", status=_(STATUS_LABELS[status]), statuses=_names(through))
    return _(STATUS_LABELS[status])


def summary(plan: triage.Plan) -> str:
    """What a checked triage act will do, in one sentence: "Move #12 from New to Planned (through Acknowledged,
    Under review); reply to the author; owner: Ana Owens; due 16 Dec 2026." (it may hold a name: show it with
    st.text)."""
    parts = []
    if plan.steps:
        through = plan.steps[:-1]
        move = {"number": plan.suggestion_id, "start": _(STATUS_LABELS[plan.start]),
                "target": _(STATUS_LABELS[plan.target])}
        if plan.duplicate_of:  # a duplicate is one step from any open status: never "through"
            parts.append(_("move #{number} from {start} to {target} as a duplicate of #{original}, where its +1s go",
                           original=plan.duplicate_of, **move))
        elif through:
            parts.append(_("move #{number} from {start} to {target} (through {statuses})", statuses=_names(through),
                           **move))
        else:
            parts.append(_("move #{number} from {start} to {target}", **move))
    if plan.reply:
        parts.append(_("give the author the reason") if plan.target == "declined" and plan.steps
                     else _("reply to the author"))
    if plan.owner:
        parts.append(_("owner: {owner}", owner=plan.owner))
    if plan.due:
        parts.append(_("due {day}", day=format_day(plan.due)))
    changes = "; ".join(parts)  # a list of what will happen, each part a whole clause
    if not plan.steps:
        return _("For #{number}: {changes}.", number=plan.suggestion_id, changes=changes)
    return changes[0].upper() + changes[1:] + "."


def _done(plan: triage.Plan) -> str:
    """The success message: fixed words and numbers only (st.success renders markdown)."""
    if plan.steps:
        return _("Saved: #{number} is now {status}.", number=plan.suggestion_id,
                 status=_(STATUS_LABELS[plan.target]).lower())
    return _("Saved your changes to #{number}.", number=plan.suggestion_id)
