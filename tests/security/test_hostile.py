"""Hostile input through every form and import (AppTest, the CLI, the CSV exports).

Each input is either refused with a clear message and the database does not change, or stored as typed
(less surrounding white space, control characters and invisible characters: board.text.clean) and shown
verbatim as plain text: in st.text elements or table cells, never in a markdown element. A text widget
with max_chars delivers at most that many characters (the browser cuts a paste there, and Streamlit cuts
again on the server), so what is sent is text[:max_chars]; the service functions the pages call refuse
longer text themselves (tested with 1 MB at the end).
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from board import store as db
from board import text as board_text
from board.errors import BoardError, Invalid
from board.feedback import receipts, release, triage
from board.feedback import suggestions as sg
from board.meetings import actions, minutes, playbook, review
from board.morale import pulse
from board.org import accounts, people, roster, settings
from board.org.access import PAGE_ROLES
from board.reporting.export import neutralise, to_csv
from tests.support import hostile
from tests.support.pages import errors, open_page, signed_out
from tests.support.paths import REPO
from tests.support.suggestions import submit, submit_released

ROOT = REPO
CORPUS = hostile.texts()
# Forms whose every submission costs seconds (argon2 code checks, minutes drafts) take this representative
# subset: one of each kind of hostile input.
SUBSET = {name: CORPUS[name] for name in ("script_tag", "img_onerror", "markdown_image_listener",
                                          "javascript_link_markdown", "rtl_override", "zero_width", "one_megabyte",
                                          "sql_drop_table", "nul_byte", "formula_tab")}
# Forms that check an argon2 hash on every rerun (the follow-up code, passwords), or need a new record per
# input (minutes, declines, escalations), take a smaller one.
SMALL = {name: CORPUS[name] for name in ("script_tag", "markdown_image_listener", "rtl_override", "zero_width",
                                                "sql_drop_table", "nul_byte", "one_megabyte")}
QUIET_TABLES = {"sessions", "sign_in_waits", "sign_in_counts", "code_attempts"}  # bookkeeping a refusal may add to
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success",
                  "toast", "latex", "code")
LABELLED = ("text_input", "text_area", "selectbox", "multiselect", "button", "form_submit_button", "checkbox",
            "toggle", "radio", "date_input", "number_input", "slider", "select_slider", "expander", "tabs", "metric")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH}]")


# --- helpers --------------------------------------------------------------------------------------

def cleaned(text: str) -> str:
    """What the app promises to store: the text less control characters, bidirectional controls, zero-width
    characters and surrounding white space. (The corpus holds no joiner between emoji or between Arabic or
    Indic letters, the only places board.text keeps one: the rule's own tests cover those.)"""
    return _INVISIBLE.sub("", _CONTROL.sub("", text)).strip()


def sent(text: str, max_chars: int | None) -> str:
    """What a text widget delivers to the script."""
    return text[:max_chars] if max_chars else text


def fingerprint(store) -> dict[str, str]:
    """Row count and content hash of every table (except sign-in bookkeeping)."""
    with store.read() as con:
        tables = [r["table_name"] for r in con.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            " AND table_schema = current_schema()")]
        return {t: con.scalar(f"SELECT count(*) || ':' || coalesce(md5(string_agg(CAST(x AS VARCHAR), '|'"
                              f" ORDER BY CAST(x AS VARCHAR))), '') FROM {t} x")
                for t in tables if t not in QUIET_TABLES}


def widget(elements, label: str):
    return next(e for e in elements if e.label == label)


def plain_texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def markdown_texts(at: AppTest) -> str:
    """Everything the page rendered through markdown (labels, link labels, radio options included), joined."""
    values = [str(e.value) for kind in MARKDOWN_KINDS for e in getattr(at, kind, [])]
    values += [str(w.label) for kind in LABELLED for w in getattr(at, kind)]
    values += [str(link.value) for link in at.page_link]
    values += [str(option) for radio in at.radio for option in radio.options]  # radio options render markdown
    return "\n".join(values)


def cells(at: AppTest, column: str) -> list:
    """The cells of a column in every table on the page, its header matched however the page words it."""
    def header(name) -> str:
        return str(name).replace("_", " ").strip().lower()
    return [v for frame in at.dataframe for name in frame.value.columns if header(name) == header(column)
            for v in frame.value[name]]


def page_strings(at: AppTest) -> list[str]:
    """Every text the page shows: elements, labels, options and table cells."""
    shown = plain_texts(at) + markdown_texts(at).split("\n")
    shown += [str(o) for kind in ("selectbox", "radio", "multiselect") for w in getattr(at, kind) for o in w.options]
    return shown + [v for frame in at.dataframe for column in frame.value.columns for v in frame.value[column]
                    if isinstance(v, str)]


def assert_plain(at: AppTest, text: str) -> None:
    """Shown, and never through markdown (only pure text can be checked for: the markers are the hostile part);
    and no bidirectional control or zero-width character anywhere on the page."""
    assert not at.exception, at.exception
    if len(text) >= 4:
        assert text not in markdown_texts(at)
    hidden = sorted({f"U+{ord(c):04X}" for value in page_strings(at) for c in _INVISIBLE.findall(value)})
    assert not hidden, f"the page shows invisible characters {hidden}"


def submit_button(at: AppTest, form: str, label: str):
    return at.button(key=f"FormSubmitter:{form}-{label}")


def last_event(store, suggestion_id: int) -> dict:
    with store.read() as con:
        return con.one("SELECT kind, note FROM suggestion_events WHERE suggestion_id = ? ORDER BY id DESC LIMIT 1",
                       (suggestion_id,))


def test_the_corpus_holds_every_kind_of_hostile_input():
    assert hostile.TEXT_COUNT == 21 and hostile.UPLOAD_COUNT == len(hostile.uploads(["a", "b"], [["1", "x"]]))
    joined = "".join(CORPUS.values())
    for marker in ("<script>", "onerror=", "javascript:", "![", "url(", *BIDI_CONTROLS, *ZERO_WIDTH,
                   "DROP TABLE", "OR 1=1", "\\", "\x00", "\t=", "\r="):
        assert marker in joined, repr(marker)
    assert len(CORPUS["one_megabyte"].encode()) == hostile.ONE_MB
    assert {t[0] for t in CORPUS.values() if t[0] in "=+-@\t\r"} == set("=+-@\t\r")


# --- the cleaning rule itself (board.text.clean) ----------------------------------------------------

@pytest.mark.parametrize("char", [*BIDI_CONTROLS, *ZERO_WIDTH, "\u2061", "\u2064", "\u206a", "\u206f", "\u180e",
                                  "\U000e0001", "\U000e0041"], ids=lambda c: f"U+{ord(c):04X}")
def test_the_rule_removes_each_bidi_control_and_invisible_character(char):
    """Inside a Latin word, at the edges, doubled: gone (a joiner between Latin letters changes nothing seen)."""
    assert board_text.clean(f"in{char}voice{char}{char} {char}txt.exe{char}") == "invoice txt.exe"
    assert board_text.clean(f"{char} padded {char}") == "padded"
    assert board_text.clean(char * 50) == ""


@pytest.mark.parametrize("typed", [
    "👩\u200d💻 a technologist", "🏳️\u200d🌈 a rainbow flag", "👨🏽\u200d🚀 an astronaut, skin tone", "❤️\u200d🔥",
    "👨\u200d👩\u200d👧\u200d👦 a family", "🐈\u200d⬛ a black cat",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f England's flag (tag characters)",
    "می\u200cخواهم (Persian: I want, ZWNJ)", "نامه\u200cها (Persian plural)", "क्\u200dष (Devanagari half form, ZWJ)",
    "क्\u200cष (Devanagari explicit virama, ZWNJ)", "ක්\u200dය (Sinhala yansaya)",
    "שלום עולם", "مرحبا بالعالم", "The refund (החזר) and الاسترداد in one line", "Tab\tand\nnew line kept",
])
def test_the_rule_keeps_readable_text_and_the_joiners_that_show(typed):
    """Right-to-left text reads right without any control; ZWJ stays between emoji, ZWJ and ZWNJ between
    letters of the scripts that spell with them, tag characters inside a flag."""
    assert board_text.clean(typed) == typed


@pytest.mark.parametrize("typed, expected", [
    ("\u200d👩\u200d", "👩"), ("👩\u200d refund", "👩 refund"), ("👩\u200c💻", "👩💻"),  # joiner not between emoji
    ("ب\u200c ب", "ب ب"), ("مرحبا\u200c!", "مرحبا!"), ("ب\u200b\u200cخ", "بخ"),  # joiner not between letters
    ("a\u200db", "ab"), ("漢\u200c字", "漢字"),  # scripts that do not join
    ("hi\U000e0069\U000e0067\U000e006e\U000e006f\U000e0072\U000e0065", "hi"),  # hidden ASCII in tags
    ("\U000e0067\U000e007f no flag", "no flag"),
])
def test_the_rule_removes_joiners_and_tags_where_they_show_nothing(typed, expected):
    assert board_text.clean(typed) == expected


def test_lengths_are_checked_after_cleaning():
    padded = "\u200b" * 500 + "Fix it" + "\u202e" * 500
    assert sg.clean(padded) == "Fix it" and sg.checked_text("note", padded, required=True) == "Fix it"
    draft = sg.Draft(kind="improvement", category="policy", title=padded, description="A fine description.")
    assert sg.validate(draft, settings.DEFAULT_CATEGORIES) == {}
    hollow = sg.Draft(kind="improvement", category="policy", title="\u202e\u200b\u2066\u2069",
                      description="\ufeff" * 20)
    assert set(sg.validate(hollow, settings.DEFAULT_CATEGORIES)) == {"title", "description"}
    with pytest.raises(Invalid):
        sg.checked_text("reply", "\u200b\u200f", required=True)
    assert settings.validate(5, 5, ["policy", "\u200b" * 100 + "short"]) == {}
    assert settings.validate(5, 5, ["policy", "\u200b\u202e"])  # empty once cleaned: refused
    assert settings.validate(5, 5, ["policy", "pol\u200bicy"])  # a duplicate once cleaned: refused


# --- raise a suggestion: title, description, customer impact, proposed solution ---------------------

RAISE_FIELDS = [  # widget key, column, the widget's max_chars, (min, max) the service accepts
    ("raise_title", "title", sg.TITLE[1], sg.TITLE),
    ("raise_description", "description", sg.DESCRIPTION[1], sg.DESCRIPTION),
    ("raise_impact", "customer_impact", sg.LONG_TEXT, (0, sg.LONG_TEXT)),
    ("raise_solution", "proposed_solution", sg.LONG_TEXT, (0, sg.LONG_TEXT)),
]


@pytest.mark.slow
def test_raise_form_stores_every_hostile_input_verbatim_and_shows_it_as_text(org_store, known):
    """Each input goes into all four fields at once (each field has its own limit)."""
    staff, stored = known["staff"], {}
    at = open_page(org_store, staff, "raise")
    for name, text in CORPUS.items():
        for key, *_ in RAISE_FIELDS:
            (at.text_input if key == "raise_title" else at.text_area)(key=key).set_value(text)
        submit_button(at, "raise_form", "Continue").click().run()
        if [b for b in at.button if b.label == "Submit mine anyway"]:
            widget(at.button, "Submit mine anyway").click().run()
        expected = {column: cleaned(sent(text, max_chars)) for _, column, max_chars, _ in RAISE_FIELDS}
        assert all(low <= len(expected[column]) <= high for _, column, _, (low, high) in RAISE_FIELDS), name
        assert not errors(at), name
        saved = next(s.value for s in at.success)
        stored[int(re.search(r"#(\d+)", saved).group(1))] = (name, expected)
        widget(at.button, "Raise another").click().run()
    assert len(stored) == hostile.TEXT_COUNT  # the widgets cut 1 MB at their limit; nothing is out of bounds

    with org_store.read() as con:
        rows = {r["id"]: r for r in con.rows("SELECT * FROM suggestions")}
    at = open_page(org_store, staff, "browse")
    # the list: each title whole on a line of plain text (not neutralised: an apostrophe is for table cells only)
    titles = {expected["title"] for _, expected in stored.values()}
    assert titles <= set(plain_texts(at))
    for title in titles:
        assert_plain(at, title)
    at = open_page(org_store, staff, "suggestion", query={"id": next(iter(stored))})
    for suggestion_id, (name, expected) in stored.items():
        assert {c: rows[suggestion_id][c] for c in expected} == expected, name
        at.query_params["id"] = str(suggestion_id)
        at.run()
        shown = plain_texts(at)
        assert f"#{suggestion_id} · {expected['title']}" in shown, name
        assert [expected[c] for c in ("description", "customer_impact", "proposed_solution")] == [
            t for t in shown if t in expected.values()][-3:], name
        for column in ("description", "customer_impact", "proposed_solution"):
            assert_plain(at, expected[column])


# --- comments, author replies, manager replies, decline reasons, escalation reasons ----------------

def messages(at: AppTest, notes: list[str]) -> list[str]:
    """The plain-text lines of the page that are one of `notes`, in the order the page shows them."""
    return [t for t in plain_texts(at) if t in set(notes)]


@pytest.mark.slow
def test_comments_are_stored_verbatim_and_shown_in_the_conversation(org_store, known):
    suggestion_id = submit(org_store, known["staff"]).id
    at = open_page(org_store, known["manager"], "suggestion", query={"id": suggestion_id})
    notes = []
    for name, text in CORPUS.items():
        widget(at.text_area, "Add a comment").set_value(text)
        submit_button(at, "comment", "Comment").click().run()
        assert not errors(at), name
        notes.append(cleaned(sent(text, sg.COMMENT[1])))
        assert last_event(org_store, suggestion_id) == {"kind": "comment", "note": notes[-1]}, name
    assert messages(at, notes) == notes  # each whole, as typed, in the order written
    for note in notes:
        assert_plain(at, note)
    staff = open_page(org_store, known["staff"], "suggestion", query={"id": suggestion_id})  # the author reads them
    assert messages(staff, notes) == notes
    for note in notes:
        assert_plain(staff, note)


@pytest.mark.slow
def test_anonymous_author_replies_are_stored_verbatim_and_shown(org_store, known):
    receipt = submit_released(org_store, known["staff"])
    at = open_page(org_store, known["staff"], "follow")
    at.text_input[0].input(receipt.code)
    submit_button(at, "code_form", "Open").click().run()
    notes = []
    for name, text in SMALL.items():
        widget(at.text_area, "Reply, still anonymous").set_value(text)
        submit_button(at, "author_reply", "Send reply").click().run()
        assert not errors(at), name
        notes.append(cleaned(sent(text, sg.COMMENT[1])))
        with org_store.read() as con:  # waiting for the next day's release, verbatim
            assert con.scalar("SELECT note FROM held_author_events ORDER BY position DESC LIMIT 1") == notes[-1], name
    assert messages(at, notes) == notes  # shown to the author as waiting to be passed on
    for note in notes:
        assert_plain(at, note)
    release.release_anonymous(org_store, accounts.utcnow().date() + datetime.timedelta(days=1))
    with org_store.read() as con:
        assert [r["note"] for r in con.rows("SELECT note FROM suggestion_events WHERE suggestion_id = ?"
                                            " AND kind = 'author_reply' ORDER BY id", (receipt.id,))] == notes
    at.run()  # the author, through the code: now in the conversation
    assert messages(at, notes) == notes
    manager = open_page(org_store, known["manager"], "suggestion", query={"id": receipt.id})
    assert messages(manager, notes) == notes
    for note in notes:
        assert_plain(manager, note)


@pytest.mark.slow
def test_manager_replies_decline_reasons_and_escalation_reasons(org_store, known):
    staff, manager = known["staff"], known["manager"]
    target = submit(org_store, staff, key="reply-target").id
    declines = {name: submit(org_store, staff, key=f"d-{name}").id for name in SMALL}
    escalations = {name: submit(org_store, staff, key=f"e-{name}").id for name in SMALL}
    at = open_page(org_store, manager, "triage")

    def act_on(suggestion_id: int) -> None:
        at.query_params["id"] = str(suggestion_id)
        at.run()
        assert at.selectbox(key=f"triage_{suggestion_id}_status")  # the form of the one acted on is open

    def confirm(suggestion_id: int) -> None:
        at.button(key=f"triage_{suggestion_id}_continue").click().run()
        at.button(key=f"triage_{suggestion_id}_confirm").click().run()

    def shown_on_its_page(suggestion_id: int, notes: list[str], viewer=staff) -> None:
        """Each note whole on a line of plain text, in the order written, on the suggestion's page."""
        page = open_page(org_store, viewer, "suggestion", query={"id": suggestion_id})
        assert messages(page, notes) == notes, suggestion_id
        for note in notes:
            assert_plain(page, note)

    act_on(target)
    for answered, (name, text) in enumerate(CORPUS.items()):  # each applied answer draws the fields anew
        at.text_area(key=f"triage_{target}_{answered}_reply" if answered else f"triage_{target}_reply").set_value(text)
        confirm(target)
        assert not errors(at) and last_event(org_store, target) == {
            "kind": "reply", "note": cleaned(sent(text, sg.COMMENT[1]))}, name
    shown_on_its_page(target, [cleaned(sent(text, sg.COMMENT[1])) for text in CORPUS.values()])
    for name, text in SMALL.items():
        act_on(declines[name])
        at.selectbox(key=f"triage_{declines[name]}_status").select("declined")
        at.text_area(key=f"triage_{declines[name]}_reply").set_value(text)
        confirm(declines[name])
        assert not errors(at), name
        assert last_event(org_store, declines[name]) == {"kind": "status", "note": cleaned(sent(text, sg.COMMENT[1]))}

        act_on(escalations[name])
        at.text_input(key=f"triage_{escalations[name]}_escalate_note").set_value(text)
        at.button(key=f"triage_{escalations[name]}_escalate").click().run()
        assert not errors(at), name
        assert last_event(org_store, escalations[name]) == {"kind": "escalated", "note": cleaned(sent(text, 500))}
    for name in SMALL:  # the reason for declining in the history, the author reading it; the escalation note too
        shown_on_its_page(declines[name], [cleaned(sent(CORPUS[name], sg.COMMENT[1]))])
        shown_on_its_page(escalations[name], [cleaned(sent(CORPUS[name], 500))], viewer=known["regional_manager"])


# --- minutes: what was discussed, solution, action; then the review comment and the action note ----

@pytest.mark.slow
def test_minutes_review_and_action_notes_store_hostile_text_verbatim(org_store, known):
    manager, regional = known["manager"], known["regional_manager"]
    published = {}
    for days_ago, (name, text) in enumerate(SMALL.items()):
        at = open_page(org_store, manager, "minutes")  # the list, where new minutes start
        widget(at.button, "Start").click().run()
        at.date_input(key=next(d.key for d in at.date_input if d.label == "Meeting date")).set_value(
            datetime.date.today() - datetime.timedelta(days=days_ago)).run()  # one label per meeting in the lists
        widget(at.text_area, "What was discussed").set_value(text).run()
        widget(at.text_area, "Solution or decision").set_value(text).run()
        widget(at.button, "Add an action").click().run()
        widget(at.text_input, "Action").set_value(text).run()
        widget(at.selectbox, "Owner").set_value(manager.id).run()
        widget(at.button, "Publish").click().run()
        assert not errors(at) and any(s.value.startswith("Published.") for s in at.success), name
        meeting_id = int(at.query_params["id"][0] if isinstance(at.query_params["id"], list) else at.query_params["id"])
        published[name] = meeting_id
        item = minutes.get_meeting(org_store, manager, meeting_id)["items"][0]
        expected = cleaned(sent(text, minutes.MAX_TEXT))
        assert (item["discussed"], item["solution"]) == (expected, expected), name
        assert item["actions"][0]["description"] == cleaned(sent(text, minutes.MAX_ACTION)), name
        shown = [expected, expected, item["actions"][0]["description"]]  # what was discussed, solution, action
        assert messages(at, shown) == shown, name
        for line in shown:
            assert_plain(at, line)

    at = open_page(org_store, regional, "review")
    for name, meeting_id in published.items():
        at.query_params["id"] = str(meeting_id)
        at.run()
        shown = [cleaned(sent(CORPUS[name], cut)) for cut in (minutes.MAX_TEXT, minutes.MAX_TEXT, minutes.MAX_ACTION)]
        assert messages(at, shown) == shown, name  # the reviewer reads the minutes whole
        for line in shown:
            assert_plain(at, line)
        widget(at.radio, "Verdict").set_value("needs_follow_up")
        widget(at.text_area, "Comment for the author (required for follow-up)").set_value(CORPUS[name])
        submit_button(at, "review_form", "Save review").click().run()
        assert not errors(at), name
    assert review.queue(org_store, regional) == []

    for name, meeting_id in published.items():
        action = minutes.get_meeting(org_store, manager, meeting_id)["items"][0]["actions"][0]
        at = open_page(org_store, manager, "action", query={"id": action["id"]})
        assert action["description"] in plain_texts(at), name
        assert_plain(at, action["description"])
        widget(at.radio, "Mark it").set_value("dropped")
        widget(at.text_area, "Note (required when dropped)").set_value(CORPUS[name])
        submit_button(at, "close_action", "Save").click().run()
        assert not errors(at), name
        note = cleaned(sent(CORPUS[name], 2000))
        assert [t for t in plain_texts(at) if t.endswith(f"\nNote: {note}")], name  # in the action's history
        assert_plain(at, note)
    with org_store.read() as con:
        notes = {r["meeting_id"]: r["note"] for r in con.rows(
            "SELECT a.meeting_id, e.note FROM action_events e JOIN action_items a ON a.id = e.action_id"
            " WHERE e.to_status = 'dropped'")}
        comments = {r["meeting_id"]: r["comment"] for r in con.rows("SELECT meeting_id, comment FROM meeting_reviews")}
    for name, meeting_id in published.items():
        assert notes[meeting_id] == cleaned(sent(CORPUS[name], 2000)), name
        assert comments[meeting_id] == cleaned(sent(CORPUS[name], 2000)), name

    at = open_page(org_store, manager, "minutes")
    for name, meeting_id in published.items():  # the review comment, with the minutes it is about
        at.query_params["id"] = str(meeting_id)
        at.run()
        assert cleaned(sent(CORPUS[name], 2000)) in plain_texts(at), name
        assert_plain(at, cleaned(sent(CORPUS[name], 2000)))
    home = open_page(org_store, manager)  # the newest reviews asking for follow-up, on the author's Home
    followed = [t for t in plain_texts(home) if ", review by " in t]
    assert followed and all(any(t.endswith(": " + c) for c in comments.values()) for t in followed)
    for comment in comments.values():
        assert_plain(home, comment)


# --- pulse comment -------------------------------------------------------------------------------

@pytest.mark.slow
def test_pulse_comments_are_stored_verbatim_and_shown_to_a_large_enough_group(org_store, known):
    staff = [p for p in people.list_people(org_store, known["leader"]) if p["role"] == "staff"][:hostile.TEXT_COUNT]
    for person, (name, text) in zip(staff, CORPUS.items(), strict=False):
        at = open_page(org_store, people.get_person(org_store, person["id"]), "pulse")
        for radio in at.radio:
            radio.set_value(3)
        widget(at.text_area, "Anything else? (optional; shown after the period closes, in random order, only to "
                             "managers of a group of at least 5 who answered)").set_value(text)
        submit_button(at, "pulse_form", "Send my answer").click().run()
        assert not errors(at), name
        assert any("You have answered" in s.value for s in at.success), name
    with org_store.read() as con:
        stored = sorted(r["comment"] for r in con.rows("SELECT comment FROM pulse_responses"))
    expected = sorted(cleaned(sent(t, pulse.MAX_COMMENT)) for t in CORPUS.values())
    assert stored == expected
    pulse.close_due(org_store, pulse.period_bounds(datetime.date.today(), 14)[1])  # results show once it closed
    at = open_page(org_store, known["leader"], "pulse")
    # the organisation's group is shown: every comment, verbatim but for a formula neutralised as in a download
    assert sorted(cells(at, "Comment")) == sorted(neutralise(comment) for comment in expected)
    for comment in expected:
        assert_plain(at, comment)


# --- admin settings: categories --------------------------------------------------------------------

@pytest.mark.slow
def test_categories_are_refused_with_the_rule_or_stored_and_offered_verbatim(org_store, known):
    refused = stored = 0
    at = open_page(org_store, known["admin"], "admin_settings")
    raise_page = open_page(org_store, known["staff"], "raise")
    for name, text in CORPUS.items():
        before, saved_before = fingerprint(org_store), settings.load(org_store).categories
        at.text_area[0].set_value("policy\n" + text)
        widget(at.form_submit_button, "Save settings").click().run()
        lines = [cleaned(c) for c in ("policy\n" + text).splitlines() if c.strip()]
        if any(len(c) > 40 for c in lines):
            assert errors(at) == ["At most 30 categories of at most 40 characters each."], name
            assert fingerprint(org_store) == before and settings.load(org_store).categories == saved_before
            refused += 1
            continue
        assert not errors(at) and settings.load(org_store).categories == tuple(lines), name
        raise_page.run()
        assert set(lines) <= set(raise_page.selectbox(key="raise_category").options), name
        assert_plain(raise_page, lines[-1])
        stored += 1
    assert refused and stored and refused + stored == hostile.TEXT_COUNT


# --- roster and organisation imports: admin page and CLI ---------------------------------------------

HEADER = list(roster.ROSTER_COLUMNS)


def roster_row(email: str, name: str) -> list[str]:
    return [email, name, "staff", "Europe", "Dublin", "Billing", ""]


@pytest.mark.slow
def test_roster_import_names_are_refused_by_row_or_imported_cleaned(org_store, known):
    at = open_page(org_store, known["admin"], "admin_roster")
    for number, (name, text) in enumerate(CORPUS.items()):
        email = f"hostile{number}@example.com"
        data = hostile.csv_bytes(HEADER, [roster_row(email, text)])
        before = fingerprint(org_store)
        at.file_uploader(key="roster_file").upload("roster.csv", data, "text/csv")
        at.run()
        expected = cleaned(text)
        if len(expected) > roster.MAX_TEXT:
            assert not at.exception and errors(at) == ["The file has 1 problem(s); nothing was imported."], name
            [problem] = cells(at, "problem")
            assert f"cells hold at most {roster.MAX_TEXT} characters" in problem or problem == \
                f"name is longer than {roster.MAX_TEXT} characters", problem
            assert fingerprint(org_store) == before
            continue
        widget(at.button, "Import this roster").click().run()
        assert not errors(at), name
        assert people.find_by_email(org_store, email).name == expected, name
    shown = open_page(org_store, known["admin"], "people")
    names = set(cells(shown, "name"))
    assert {neutralise(cleaned(t)) for t in CORPUS.values() if len(cleaned(t)) <= roster.MAX_TEXT} <= names


@pytest.mark.slow
def test_roster_and_org_imports_strip_invisible_characters(org_store, known):
    names = {f"bidi{i}@example.com": CORPUS[n] for i, n in enumerate(("rtl_override", "zero_width"))}
    at = open_page(org_store, known["admin"], "admin_roster")
    at.file_uploader(key="roster_file").upload(
        "roster.csv", hostile.csv_bytes(HEADER, [roster_row(e, n) for e, n in names.items()]), "text/csv")
    at.run()
    widget(at.button, "Import this roster").click().run()
    assert not errors(at)
    at.file_uploader(key="org_file").upload("org.csv", hostile.csv_bytes(
        list(roster.ORG_COLUMNS), [["Europe", "Dublin", "Bill\u200bing\u202e 2"]]), "text/csv")
    at.run()
    widget(at.button, "Add these units").click().run()
    assert not errors(at)
    with org_store.read() as con:
        teams = [r["name"] for r in con.rows("SELECT name FROM teams")]
    assert "Billing 2" in teams and not [t for t in teams if _INVISIBLE.search(t)]
    assert [people.find_by_email(org_store, e).name for e in names] == [cleaned(n) for n in names.values()]
    assert_plain(open_page(org_store, known["admin"], "people"), cleaned(names["bidi0@example.com"]))


@pytest.mark.parametrize("variant", ["invalid_utf8_byte", "latin1_encoded", "utf8_bom", "mixed_line_endings"])
def test_roster_upload_encodings_on_the_admin_page(org_store, known, variant):
    rows = [roster_row(f"enc{i}@example.com", f"Encoded Person {i}") for i in range(4)]
    data = hostile.uploads(HEADER, rows)[variant]
    before = fingerprint(org_store)
    at = open_page(org_store, known["admin"], "admin_roster")
    at.file_uploader(key="roster_file").upload("roster.csv", data, "text/csv")
    at.run()
    if variant in hostile.REFUSED_UPLOADS:
        assert errors(at) == ["The file has 1 problem(s); nothing was imported."]
        [problem] = cells(at, "problem")
        assert problem.startswith("The file is not UTF-8 text (bad byte at position") and "CSV UTF-8" in problem
        assert not [b for b in at.button if b.label == "Import this roster"]
        assert fingerprint(org_store) == before
        return
    widget(at.button, "Import this roster").click().run()
    assert not errors(at) and at.success[0].value.startswith("Imported: 4 new")
    assert [people.find_by_email(org_store, r[0]).name for r in rows] == [r[1] for r in rows]


@pytest.mark.slow
def test_org_upload_encodings_on_the_admin_page(org_store, known):
    rows = [["Europe", "Dublin", f"Hostile Team {i}"] for i in range(3)]
    for variant, data in hostile.uploads(list(roster.ORG_COLUMNS), rows).items():
        before = fingerprint(org_store)
        at = open_page(org_store, known["admin"], "admin_roster")
        at.file_uploader(key="org_file").upload("org.csv", data, "text/csv")
        at.run()
        widget(at.button, "Add these units").click().run()
        if variant in hostile.REFUSED_UPLOADS:
            assert cells(at, "problem")[0].startswith("The file is not UTF-8 text"), variant
            assert fingerprint(org_store) == before, variant
        else:
            assert not errors(at), variant
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM teams WHERE name LIKE 'Hostile Team %'") == 3  # added once


def _file_fingerprint(path: Path) -> dict[str, str]:
    store = db.open_store(path)
    try:
        return fingerprint(store)
    finally:
        db.close_store(path)


def board_cli(*args: str, db_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BOARD_DB": str(db_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "board", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


@pytest.mark.slow
def test_cli_imports_refuse_invalid_utf8_and_import_hostile_names_verbatim(tmp_path, org_template):
    path = tmp_path / "board.duckdb"
    shutil.copy(org_template, path)
    before = _file_fingerprint(path)
    names = [t for t in CORPUS.values() if len(t.strip()) <= roster.MAX_TEXT]
    rows = [roster_row(f"cli{i}@example.com", name) for i, name in enumerate(names)]
    files = hostile.uploads(HEADER, rows)
    org_files = hostile.uploads(list(roster.ORG_COLUMNS), [["Europe", "Dublin", "Bad"]])
    for command, variant, data in (("import-roster", "latin1_encoded", files["latin1_encoded"]),
                                   ("import-org", "invalid_utf8_byte", org_files["invalid_utf8_byte"])):
            bad = tmp_path / f"{variant}.csv"
            bad.write_bytes(data)
            result = board_cli(command, str(bad), db_path=path)
            assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
            assert ("file: The file is not UTF-8 text (bad byte at position" in result.stderr
                    and "nothing was imported" in result.stderr)
    one_mb = tmp_path / "big.csv"
    one_mb.write_bytes(hostile.csv_bytes(HEADER, [roster_row("big@example.com", CORPUS["one_megabyte"])]))
    big = board_cli("import-roster", str(one_mb), db_path=path)
    assert big.returncode == 1 and "Traceback" not in big.stderr, big.stderr
    assert f"cells hold at most {roster.MAX_TEXT} characters" in big.stderr and "nothing was imported" in big.stderr
    assert _file_fingerprint(path) == before  # no refusal changed anything
    good = tmp_path / "good.csv"
    good.write_bytes(files["mixed_line_endings"])
    result = board_cli("import-roster", str(good), db_path=path)
    assert result.returncode == 0 and f"{len(rows)} new" in result.stdout, result.stderr
    store = db.open_store(path)
    try:
        assert [people.find_by_email(store, r[0]).name for r in rows] == [cleaned(n) for n in names]
    finally:
        db.close_store(path)


# --- sign-in, follow-up code, password reset, search boxes --------------------------------------------

@pytest.mark.slow
def test_sign_in_fields_refuse_hostile_input_with_the_one_message(org_store, known):
    before, logged = fingerprint(org_store), audit_ids(org_store)
    at = signed_out()
    tries = [(name, text, "demo") for name, text in SUBSET.items()]
    tries += [(name, "staff@demo.board", text) for name, text in SMALL.items()]
    for name, email, password in tries:
        if True:
            widget(at.text_input, "Email").set_value(email)
            widget(at.text_input, "Password").set_value(password)
            widget(at.form_submit_button, "Sign in").click().run()
            assert not at.exception, name
            [message] = errors(at)
            assert message == "That email and password do not match an active account." or message.startswith(
                "Too many failed attempts for this email."), (name, message)
            assert not [h for h in at.html if "board-continue" in h.body], name  # no sign-in handed over
    # Only the audit log grows, by sign-in refusals that quote no typed text (an email field may hold a password).
    assert {k: v for k, v in fingerprint(org_store).items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"}
    with org_store.read() as con:
        added = con.rows("SELECT actor_id, action, detail FROM audit_log WHERE id > ?", (max(logged, default=0),))
    assert {(r["actor_id"], r["action"]) for r in added} == {(None, "sign-in failed"), (None, "sign-in refused")}
    assert {r["detail"].split(":")[0] for r in added} == {"an email not in the roster", "staff@demo.board"}


def audit_ids(store) -> list[int]:
    with store.read() as con:
        return [r["id"] for r in con.rows("SELECT id FROM audit_log")]


@pytest.mark.slow
def test_follow_code_field_refuses_hostile_input_with_one_message(org_store, known):
    submit_released(org_store, known["staff"])
    before = fingerprint(org_store)
    at = open_page(org_store, known["staff"], "follow")
    for name, text in CORPUS.items():
        at.text_input[0].set_value(text)
        submit_button(at, "code_form", "Open").click().run()
        assert not at.exception, name
        assert errors(at) in ([receipts.WRONG], ["Too many wrong codes. Wait 15 minutes before trying again."]), name
        assert not at.dataframe  # nothing of any suggestion is shown
    assert fingerprint(org_store) == before


@pytest.mark.slow
def test_admin_password_reset_takes_hostile_passwords_exactly_or_refuses_them(org_store, known):
    at = open_page(org_store, known["admin"], "admin_people")
    widget(at.selectbox, "Person to change").select("staff@demo.board").run()
    for name in ("script_tag", "nul_byte", "one_megabyte"):
        password = sent(CORPUS[name], 1024)
        widget(at.text_input, "New password").set_value(password)
        widget(at.text_input, "Repeat the new password").set_value(password)
        widget(at.form_submit_button, "Set password").click().run()
        assert not at.exception and not errors(at), name
        assert accounts.sign_in(org_store, "staff@demo.board", password).id == known["staff"].id, name
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(org_store, "staff@demo.board", password[:-1] + "?")
    widget(at.text_input, "New password").set_value(CORPUS["formula_at"][:5])
    widget(at.text_input, "Repeat the new password").set_value(CORPUS["formula_at"][:5])
    widget(at.form_submit_button, "Set password").click().run()
    assert errors(at) == [f"Use at least {accounts.MIN_PASSWORD} characters."]


@pytest.mark.slow
@pytest.mark.parametrize("page, label", [("browse", "Search words"), ("playbook", "Search words"),
                                         ("admin_people", "Find a person (name or email)")])
def test_search_boxes_take_hostile_text_as_words(org_store, known, page, label):
    submit(org_store, known["staff"], title="Refunds are slow <script>")
    person = known["admin"] if page == "admin_people" else known["leader"]
    before = fingerprint(org_store)
    at = open_page(org_store, person, page)
    for name, text in CORPUS.items():
        widget(at.text_input, label).set_value(text).run()
        assert not at.exception and not errors(at), name
    assert fingerprint(org_store) == before


# --- exports ---------------------------------------------------------------------------------------

def test_exported_csv_neutralises_every_formula_and_keeps_the_rest_verbatim():
    frame = pd.DataFrame({"name": list(CORPUS), "text": list(CORPUS.values()), "n": range(len(CORPUS))})
    limit = csv.field_size_limit(2 * hostile.ONE_MB)  # the module's default cap is 128 KB a cell
    try:
        rows = list(csv.DictReader(io.StringIO(to_csv(frame).decode("utf-8"), newline="")))
    finally:
        csv.field_size_limit(limit)
    for row in rows:
        text = CORPUS[row["name"]]
        if text.startswith(hostile.FORMULA_PREFIXES):
            assert row["text"] == "'" + text, row["name"]
        else:
            assert row["text"] == text, row["name"]
        assert row["n"].isdigit()
    assert len(rows) == hostile.TEXT_COUNT  # a carriage return inside a cell starts no new row
    assert sum(r["text"] != CORPUS[r["name"]] for r in rows) == len(hostile.FORMULA_ENTRIES)


def test_every_download_in_the_app_goes_through_the_formula_safe_export():
    import ast
    for path in sorted((ROOT / "board").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "download_button" and "text/csv" in [
                    a.value for a in [*node.args, *(k.value for k in node.keywords)] if isinstance(a, ast.Constant)]:
                data = node.args[1] if len(node.args) > 1 else next(k.value for k in node.keywords if k.arg == "data")
                assert isinstance(data, ast.Call) and getattr(data.func, "id", "") == "to_csv", \
                    f"{path.name}:{node.lineno} downloads data not made by board.export.to_csv"


def test_office_overview_download_neutralises_formula_names(org_store, known):
    """Office names come from the organisation CSV: the overview's download must not carry a formula."""
    org_store.write(lambda con: con.execute("UPDATE offices SET name = ? WHERE name = 'Dublin'",
                                            ("=HYPERLINK(\"http://127.0.0.1:9/x\",\"Dublin\")",)))
    at = open_page(org_store, known["leader"], "overview")
    assert not at.exception
    frame = at.dataframe[-1].value
    text = to_csv(frame).decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


# --- the service functions refuse 1 MB themselves, field by field ----------------------------------

def _services(store, known):
    staff, manager, regional = known["staff"], known["manager"], known["regional_manager"]
    big = CORPUS["one_megabyte"]
    suggestion_id = submit(store, staff, key="svc").id
    meeting = minutes.start_draft(store, manager, team_id=manager.team_id, office_id=manager.office_id,
                                  today=datetime.date.today())
    doc = {"meeting_date": datetime.date.today().isoformat(), "chair_id": manager.id, "attendee_ids": [],
           "items": [{**minutes.empty_item(), "discussed": "Fine", "actions": [
               {**minutes.empty_action(datetime.date.today().isoformat()), "description": big,
                "owner_id": manager.id}]}]}
    draft = lambda **c: sg.Draft(**{"kind": "improvement", "category": "policy", "title": "A fine title",  # noqa: E731
                                    "description": "A fine description.", **c})
    cats = settings.DEFAULT_CATEGORIES
    return {
        "title": lambda: sg.submit(store, staff, draft(title=big), categories=cats, submission_key="t"),
        "description": lambda: sg.submit(store, staff, draft(description=big), categories=cats, submission_key="d"),
        "customer_impact": lambda: sg.submit(store, staff, draft(customer_impact=big), categories=cats,
                                             submission_key="i"),
        "comment": lambda: sg.comment(store, staff, suggestion_id, big),
        "reply": lambda: triage.reply(store, manager, suggestion_id, big),
        "note": lambda: triage.change_status(store, manager, suggestion_id, "declined", note=big),
        "escalate_note": lambda: triage.escalate(store, manager, suggestion_id, note=big),
        "items.0.actions.0.description": lambda: minutes.publish(store, manager, meeting, doc,
                                                                 today=datetime.date.today(), categories=cats),
        "draft": lambda: minutes.save_draft(store, manager, meeting, {**doc, "items": [
            {**minutes.empty_item(), "discussed": big}]}),
        "review_comment": lambda: review.review(store, regional, meeting, "needs_follow_up", big),
        "action_note": lambda: actions.close(store, manager, 1, "dropped", big),
        "pulse_comment": lambda: pulse.submit(store, staff, pulse.Answer(3, 7, 3, 3, 3, 3, 3, big),
                                              today=datetime.date.today(), length_days=14),
        "categories": lambda: settings.save(store, known["admin"], anonymity_k=5, ack_sla_days=5,
                                            categories=[big], pulse_period_days=14),
    }


SERVICE_FIELDS = ["title", "description", "customer_impact", "comment", "reply", "note", "escalate_note",
                  "items.0.actions.0.description", "draft", "review_comment", "action_note", "pulse_comment",
                  "categories"]


@pytest.mark.parametrize("field", SERVICE_FIELDS)
def test_one_megabyte_is_refused_by_the_service_with_a_field_message(org_store, known, field):
    action = _services(org_store, known)[field]
    before = fingerprint(org_store)
    with pytest.raises(BoardError) as refused:
        action()
    assert isinstance(refused.value, Invalid), refused.value
    [(where, message)] = refused.value.errors.items()
    assert re.search(r"at most [\d,]+ (characters|categories)|Write \d+ to \d+ characters|too long",
                     message, re.I), message
    assert fingerprint(org_store) == before


# --- every page: typed and imported text is shown as plain text, never through markdown ----------------

REMOTE_IMAGE = " ![x](http://example.invalid/x.png)"
PLANTED = (  # every kind of typed or imported text the pages show gets a remote image in markdown after it
    "UPDATE people SET name = name || ?", "UPDATE teams SET name = name || ?",
    "UPDATE offices SET name = name || ?", "UPDATE regions SET name = name || ?",
    "UPDATE suggestions SET title = title || ?, description = description || ?",
    "UPDATE suggestion_events SET note = note || ? WHERE note <> ''",
    "UPDATE meeting_items SET discussed = discussed || ?, solution = solution || ? WHERE solution <> ''",
    "UPDATE action_items SET description = description || ?",
    "UPDATE action_events SET note = note || ? WHERE note <> ''",
    "UPDATE meeting_reviews SET comment = comment || ? WHERE comment <> ''",
)


def _plant_remote_images(store) -> None:
    store.write(lambda con: [con.execute(sql, (REMOTE_IMAGE,) * sql.count("?")) for sql in PLANTED])


def _shown_through_markdown(at: AppTest) -> list[str]:
    return [line for line in markdown_texts(at).split("\n") if "example.invalid" in line]


def _items(store, known) -> list[tuple[str, str, dict]]:
    """(role, page, query) of a page for one suggestion, action, minutes, review or playbook entry, each chosen
    to show as much typed text as the demo holds, within the role's scope."""
    staff, manager, regional = known["staff"], known["manager"], known["regional_manager"]
    today = datetime.date.today()
    talked = max(sg.browse(store, manager, limit=50).rows, key=lambda r: len(sg.timeline(store, r["id"])))["id"]
    mine = max(sg.browse(store, staff, limit=50).rows, key=lambda r: len(sg.timeline(store, r["id"])))["id"]
    action = actions.team_open(store, manager, today=today)[0]["id"]
    meeting = minutes.list_minutes(store, manager, limit=1)[0]["id"]
    reviewed = (review.queue(store, regional) or minutes.list_minutes(store, regional, limit=1))[0]["id"]
    entry = playbook.groups(store, staff)[0][0]["key"]
    return [("manager", "suggestion", {"id": talked}), ("staff", "suggestion", {"id": mine}),
            ("manager", "triage", {"id": talked}), ("manager", "action", {"id": action}),
            ("manager", "minutes", {"id": meeting}), ("regional_manager", "review", {"id": reviewed}),
            ("staff", "playbook", {"entry": entry}), ("staff", "inbox", {}), ("manager", "my_actions", {}),
            *((role, "home", {}) for role in ("staff", "manager", "regional_manager", "leader"))]


@pytest.mark.slow
def test_typed_and_imported_text_is_never_rendered_as_markdown(demo_store, known):
    """Names, units, titles, notes, minutes, actions and reviews, on every page (as the widest role that opens
    it) and on the pages of one item: plain text (st.text, table cells, select options), never markdown."""
    _plant_remote_images(demo_store)
    for page, roles in PAGE_ROLES.items():
        role = next(r for r in ("admin", "leader", "regional_manager", "manager", "staff") if r in roles)
        at = open_page(demo_store, known[role], page)
        assert not at.exception and not _shown_through_markdown(at), (page, _shown_through_markdown(at))
    assert any("example.invalid" in t.value for t in at.sidebar.text)  # shown, but as plain text
    for role, page, query in _items(demo_store, known):
        at = open_page(demo_store, known[role], page, query=query)
        assert not at.exception and not _shown_through_markdown(at), (role, page, _shown_through_markdown(at))
        assert [t for t in plain_texts(at) if "example.invalid" in t], (role, page)  # shown, as plain text
