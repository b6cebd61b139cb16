"""What a page shows when a service refuses (board.web.ui.forms, the one way pages handle board.errors): an Invalid's
messages beside the fields they name with one summary, and nothing changed; a store error as one line, never a
traceback; and the minutes page showing an earlier version as it was saved, as plain text."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date
from zoneinfo import ZoneInfo

import pytest

from board import i18n
from board import store as db
from board.feedback import suggestions as sg
from board.meetings import minutes
from board.morale import pulse
from board.org import settings
from board.store.base import CONFLICT
from board.web.ui.forms import SUMMARY
from tests.support import minutes as recorded
from tests.support.pages import DEMO_ZONE, by_label, errors, open_page, signed_out
from tests.support.suggestions import submit

MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success")


def form_of(at, label: str) -> list:
    """The elements of the form that holds the widget with this label, in page order."""
    def blocks(node):
        children = list(getattr(node, "children", {}).values())
        yield node, children
        for child in children:
            yield from blocks(child)

    return next(children for node, children in blocks(at.main)
                if node.type == "form" and any(getattr(c, "label", None) == label for c in children))


def block_of(at, label: str) -> list:
    """The elements of the innermost block (a form, a column, a container) holding the widget with this label."""
    def blocks(node):
        children = list(getattr(node, "children", {}).values())
        yield node, children
        for child in children:
            yield from blocks(child)

    return [children for node, children in blocks(at.main)
            if any(getattr(c, "label", None) == label for c in children)][-1]


def after(elements: list, label: str):
    """The element right after the widget with this label: where its message goes."""
    return elements[[getattr(e, "label", None) for e in elements].index(label) + 1]


def everything_shown(at) -> str:
    return "\n".join(str(e.value) for kind in (*MARKDOWN_KINDS, "text", "exception") for e in getattr(at, kind))


# --- Invalid: beside the fields, one summary, nothing changed --------------------------------------------

def test_a_refused_status_change_shows_the_message_beside_its_field_and_changes_nothing(org_store, known):
    sid = submit(org_store, known["staff"]).id
    before = sg.timeline(org_store, sid)
    at = open_page(org_store, known["manager"], "triage", query={"id": sid})
    at.selectbox(key=f"triage_{sid}_status").select("declined")
    at.button(key=f"triage_{sid}_continue").click().run()

    assert not at.exception
    note = "Reply to the author (when declining, the reason)"
    message = "Give the reason for declining: the author will read it."
    shown = after(block_of(at, note), note)
    assert (shown.type, shown.value) == ("error", message)  # right under the reply field
    assert errors(at) == [message]
    assert [w.value for w in at.warning] == [SUMMARY]
    assert sg.get(org_store, known["staff"], sid)["status"] == "new"
    assert sg.timeline(org_store, sid) == before

    at.run()  # any later click: the message stays beside the field while it is being corrected
    assert errors(at) == [message]


def test_an_empty_pulse_answer_marks_each_missing_answer_and_stores_nothing(org_store, known):
    staff = known["staff"]
    at = open_page(org_store, staff, "pulse")
    at.button(key="FormSubmitter:pulse_form-Send my answer").click().run()

    assert not at.exception
    questions = [e for e in form_of(at, "Send my answer") if e.type == "radio"]
    assert len(questions) == 2 + len(pulse.STATEMENTS)  # mood, eNPS and each statement
    assert all(after(form_of(at, "Send my answer"), q.label).type == "error" for q in questions)
    assert len(errors(at)) == len(questions) and [w.value for w in at.warning] == [SUMMARY]
    assert not pulse.has_answered(org_store, staff, today=date.today(),
                                  length_days=settings.load(org_store).pulse_period_days)


# --- the store: one line, no traceback ---------------------------------------------------------------

@pytest.mark.parametrize("refusal", [
    db.WriteConflict(CONFLICT),
    db.DatabaseBusy("The database is busy: every connection of this server was in use; try again.\n"
                    "pool details that no person should read"),
], ids=["write-conflict", "busy"])
def test_a_store_error_on_submit_is_one_line_and_nothing_is_written(org_store, known, monkeypatch, refusal):
    sid = submit(org_store, known["staff"]).id
    before = sg.timeline(org_store, sid)
    at = open_page(org_store, known["manager"], "triage", query={"id": sid})

    def refused(self, work, *, lock=None):
        raise refusal

    monkeypatch.setattr(type(org_store), "write", refused)  # every write of this click is refused by the store
    at.text_area(key=f"triage_{sid}_reply").input("Checking with finance.")
    at.button(key=f"triage_{sid}_continue").click().run()  # checking reads; the write comes with Confirm
    at.button(key=f"triage_{sid}_confirm").click().run()

    assert not at.exception
    assert errors(at) == [str(refusal).splitlines()[0]]
    assert "Traceback" not in everything_shown(at) and "pool details" not in everything_shown(at)
    monkeypatch.undo()
    assert sg.timeline(org_store, sid) == before


@pytest.mark.duckdb_only("the lock on the DuckDB file (PostgreSQL has no file to hold)")
def test_a_locked_database_file_is_one_line_when_the_app_opens(org_store):
    """Another process (a second `make run`, a CLI import) holds the DuckDB file: the app says so in one line."""
    path = org_store.path
    db.close_store(path)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); input()", str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        at = signed_out()
        assert not at.exception
        [message] = errors(at)
        assert f"PID {holder.pid}" in message and "\n" not in message
        assert "Traceback" not in everything_shown(at)
    finally:
        holder.communicate("", timeout=30)


# --- the minutes page: an earlier version, as it was saved ---------------------------------------------

def test_the_minutes_page_shows_a_chosen_earlier_version_as_plain_text(org_store, known):
    manager, staff = known["manager"], known["staff"]
    first_text = "Refunds wait **ten** days [see](http://example.invalid/x)"
    meeting = recorded.draft(org_store, manager)
    recorded.publish(org_store, manager, meeting, recorded.document(
        manager, recorded.item(first_text, solution="Agents refund up to 20 dollars.",
                               acts=[recorded.action(staff, description="Ask finance for the numbers")]),
        attendees=[manager, staff]))
    recorded.publish(org_store, manager, meeting, recorded.document(manager, recorded.item("Rota gaps on Fridays.")),
                     how=minutes.amend)

    at = open_page(org_store, staff, "minutes", query={"id": meeting})
    plain = [t.value for t in at.text]
    assert "Rota gaps on Fridays." in plain and first_text not in plain  # the current version only
    with i18n.using("en", DEMO_ZONE):  # AppTest writes the option's label in this thread: as the page does
        by_label(at.selectbox, "Show an earlier version").select(1).run()

    assert not at.exception and not errors(at)
    plain = [t.value for t in at.text]
    saved = minutes.get_meeting(org_store, staff, meeting)["versions"][0]
    local = saved["created_at"].replace(tzinfo=UTC).astimezone(ZoneInfo(DEMO_ZONE))  # the viewer's office's time
    assert f"Version 1, saved on {local:%d %B %Y at %H:%M} UTC+8 by {manager.name}" in plain
    assert f"Chair: {manager.name}" in plain and f"Attendees: {manager.name}, {staff.name}" in plain
    assert first_text in plain and "Agents refund up to 20 dollars." in plain  # what it said, verbatim
    assert "Ask finance for the numbers" in plain
    assert "example.invalid" not in "\n".join(str(e.value) for kind in MARKDOWN_KINDS for e in getattr(at, kind))
