"""Tampering: another team's or office's id put in the URL, in session state or in a widget value.

Every case must end in "not allowed" (or simply show nothing of it) and must not read the foreign data.
"Not read" is checked on the real database: every result any statement returns (Conn.rows, one, scalar and
df, the only ways SQL results reach the code; board/store/ is the only package that imports a database driver) is
recorded,
and the foreign rows' unique markers must appear in none of them. Each test also shows that a person allowed
to see the foreign data does fetch the marker through the same path, so the recorder cannot pass vacuously.

The foreign data lives in Dublin (Europe); the tampering people are the staff member, manager and regional
manager of the Billing team, Kuala Lumpur (Asia Pacific).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from board import store as db
from board.errors import Invalid, NotAllowed
from board.feedback import receipts, suggestions, triage
from board.feedback.suggestions import Draft
from board.meetings import actions, minutes, review
from board.morale import pulse
from board.org import people, settings
from board.reporting import dashboard, reports
from tests.support.pages import errors, open_page

TODAY = date.today()
FAR = date(2031, 1, 6)  # a pulse period of its own
TAMPERERS = ("staff", "manager", "regional_manager")


# --- the recorder ------------------------------------------------------------------------------------

@pytest.fixture
def fetched(monkeypatch) -> list[tuple[str, str]]:
    """(sql, result as text) of every statement whose result reached the code, for the rest of the test."""
    log: list[tuple[str, str]] = []
    for cls in (db.Conn, db.PgConn):  # the DuckDB and the PostgreSQL cursor helpers
        _record(cls, log, monkeypatch)
    return log


def _record(cls, log: list, monkeypatch) -> None:
    real_rows, real_scalar, real_df, real_arrays = cls.rows, cls.scalar, cls.df, cls.arrays

    def rows(self, sql, params=()):
        result = real_rows(self, sql, params)
        log.append((sql, repr(result)))
        return result

    def scalar(self, sql, params=()):
        result = real_scalar(self, sql, params)
        log.append((sql, repr(result)))
        return result

    def df(self, sql, params=()):
        result = real_df(self, sql, params)
        log.append((sql, result.to_csv()))
        return result

    def arrays(self, sql, params=()):
        result = real_arrays(self, sql, params)
        log.append((sql, repr({name: list(values) for name, values in result.items()})))
        return result

    for name, wrapper in (("rows", rows), ("arrays", arrays), ("scalar", scalar), ("df", df)):
        if name in vars(cls):  # a method PgConn inherits is recorded once, where Conn defines it; one uses rows
            monkeypatch.setattr(cls, name, wrapper)


def reading(log: list[tuple[str, str]], marker: str) -> list[str]:
    """The statements whose results contained the marker."""
    return [sql for sql, result in log if marker in result]


# --- the foreign world ---------------------------------------------------------------------------------

@dataclass
class Foreign:
    suggestion: int
    suggestion_marker: str
    meeting: int
    meeting_marker: str
    draft: int
    draft_marker: str
    action: int
    action_marker: str
    team_id: int
    period_id: int
    comment_marker: str


@pytest.fixture
def foreign(demo_store, known) -> Foreign:
    """A Dublin team's suggestion, published minutes with an action, a draft, and pulse comments of 5 people."""
    store, leader = demo_store, known["leader"]
    dublin = [p for p in people.list_people(store, leader) if p["office"] == "Dublin"]
    team_id = next(p["team_id"] for p in dublin if p["role"] == "manager"
                   and sum(q["team_id"] == p["team_id"] for q in dublin) >= 6)
    manager = people.get_person(store, next(p["id"] for p in dublin
                                            if p["role"] == "manager" and p["team_id"] == team_id))
    members = [people.get_person(store, p["id"]) for p in dublin if p["team_id"] == team_id and p["id"] != manager.id]
    categories = settings.load(store).categories
    marks = {name: f"FOREIGN-{name}-{secrets.token_hex(6)}" for name in ("suggestion", "meeting", "draft", "action",
                                                                         "comment")}
    receipt = suggestions.submit(store, members[0], Draft(kind="improvement", category=categories[0],
                                                          title=marks["suggestion"],
                                                          description=f"Described: {marks['suggestion']}"),
                                 categories=categories, submission_key=secrets.token_hex(16))
    suggestions.vote(store, members[1], receipt.id)

    def doc(discussed: str, action: str) -> dict:
        return {"meeting_date": TODAY.isoformat(), "chair_id": manager.id, "attendee_ids": [manager.id],
                "items": [{"id": None, "kind": "real_problem", "category": None, "discussed": discussed,
                           "solution": "", "suggestion_ids": [],
                           "actions": [{"id": None, "description": action, "owner_id": members[0].id,
                                        "due_date": (TODAY + timedelta(days=7)).isoformat(), "status": "open"}]}]}

    meeting = minutes.start_draft(store, manager, team_id=team_id, office_id=manager.office_id, today=TODAY)
    minutes.publish(store, manager, meeting, doc(marks["meeting"], marks["action"]), today=TODAY, categories=categories)
    action = minutes.get_meeting(store, manager, meeting)["items"][0]["actions"][0]["id"]
    draft = minutes.start_draft(store, manager, team_id=team_id, office_id=manager.office_id, today=TODAY)
    minutes.save_draft(store, manager, draft, doc(marks["draft"], "Draft action"))
    answer = pulse.Answer(mood=3, enps=7, empowered=3, tools=3, acted_on=3, workload=3, proud=3,
                          comment=marks["comment"])
    for member in members[:5]:
        pulse.submit(store, member, answer, today=FAR, length_days=14)
    pulse.close_due(store, pulse.period_bounds(FAR, 14)[1])  # results of a period show once it has closed
    period = max((r for r in reports.morale(store, leader, k=5, level="team") if r["team_id"] == team_id),
                 key=lambda r: r["starts_on"])["period_id"]  # FAR's period, the newest
    return Foreign(receipt.id, marks["suggestion"], meeting, marks["meeting"], draft, marks["draft"], action,
                   marks["action"], team_id, period, marks["comment"])


def rendered(at: AppTest) -> str:
    """Everything the page shows, as text (elements, widget labels and options, table cells)."""
    parts = [str(e.value) for kind in ("title", "subheader", "header", "text", "markdown", "caption", "code", "info",
                                       "warning", "error", "success", "text_area", "text_input", "metric")
             for e in getattr(at, kind)]
    parts += [str(d.value.to_dict()) for d in at.dataframe]
    parts += [str(getattr(w, "options", "")) for w in (*at.selectbox, *at.multiselect)]
    return "\n".join(parts)


NOT_SUGGESTION = "You are not allowed to see this suggestion, or it does not exist."
NOT_MINUTES = "You are not allowed to read these minutes, or they do not exist."


# --- the URL --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", TAMPERERS)
def test_suggestion_id_of_another_office_in_the_url(demo_store, known, foreign, fetched, role):
    at = open_page(demo_store, known[role], "suggestion", query={"id": str(foreign.suggestion)})
    assert not at.exception
    assert errors(at) == [NOT_SUGGESTION]
    assert reading(fetched, foreign.suggestion_marker) == []
    assert foreign.suggestion_marker not in rendered(at)
    assert suggestions.browse(demo_store, known["leader"], text=foreign.suggestion_marker).total == 1  # unchanged


def test_the_recorder_sees_the_suggestion_when_the_reader_may(demo_store, known, foreign, fetched):
    at = open_page(demo_store, known["leader"], "suggestion", query={"id": str(foreign.suggestion)})
    assert not at.exception and not errors(at)
    assert reading(fetched, foreign.suggestion_marker)
    assert foreign.suggestion_marker in rendered(at)


@pytest.mark.parametrize("role", TAMPERERS)
def test_minutes_id_of_another_office_in_the_url(demo_store, known, foreign, fetched, role):
    at = open_page(demo_store, known[role], "minutes", query={"id": str(foreign.meeting)})
    assert not at.exception
    assert errors(at) == [NOT_MINUTES]
    for marker in (foreign.meeting_marker, foreign.action_marker, foreign.draft_marker):
        assert reading(fetched, marker) == [], marker
        assert marker not in rendered(at)


def test_the_recorder_sees_the_minutes_when_the_reader_may(demo_store, known, foreign, fetched):
    at = open_page(demo_store, known["leader"], "minutes", query={"id": str(foreign.meeting)})
    assert not at.exception and not errors(at)
    assert reading(fetched, foreign.meeting_marker) and foreign.meeting_marker in rendered(at)


@pytest.mark.parametrize("role", ["manager", "regional_manager"])
def test_suggestion_id_of_another_office_in_the_triage_url_opens_only_the_own_queue(demo_store, known, foreign,
                                                                                    fetched, role):
    at = open_page(demo_store, known[role], "triage", query={"id": str(foreign.suggestion)})
    assert not at.exception
    assert reading(fetched, foreign.suggestion_marker) == []
    assert foreign.suggestion_marker not in rendered(at)
    assert errors(at) == [NOT_SUGGESTION]
    assert "id" not in at.query_params  # the page leaves the link and shows the own queue


# --- a widget value ---------------------------------------------------------------------------------------

def test_duplicate_of_another_offices_suggestion_typed_into_triage(demo_store, known, foreign, fetched):
    """The "Original suggestion #" number is free input: naming a Dublin suggestion merges nothing into it."""
    manager = known["manager"]
    own = triage.queue(demo_store, manager, today=TODAY, sla_days=5)[0]
    at = open_page(demo_store, manager, "triage", query={"id": str(own["id"])})
    at.selectbox(key=f"triage_{own['id']}_status").select("duplicate").run()
    at.number_input(key=f"triage_{own['id']}_original").set_value(foreign.suggestion)
    at.button(key=f"triage_{own['id']}_continue").click().run()
    assert not at.exception
    assert errors(at) == ["Name another suggestion of the same office as the original."]
    assert reading(fetched, foreign.suggestion_marker) == []
    assert suggestions.get(demo_store, manager, own["id"])["status"] == own["status"]
    assert suggestions.get(demo_store, known["leader"], foreign.suggestion)["votes"] == 1


def test_dashboard_filter_set_to_another_team_shows_nothing_of_it(demo_store, known, foreign, fetched):
    """Dashboard filters come from widgets; a manager's scope stays in force whatever team the filter names."""
    wide = dashboard.Filters(start=date(2020, 1, 1), end=date(2032, 1, 1), team_id=foreign.team_id)
    for role in ("manager", "regional_manager"):
        assert dashboard.drill(demo_store, known[role], wide, status="new") == []
        assert dashboard.funnel(demo_store, known[role], wide) == []
    assert reading(fetched, foreign.suggestion_marker) == []
    assert any(r["title"] == foreign.suggestion_marker for r in dashboard.newest(demo_store, known["leader"], wide))


def test_linking_another_offices_suggestion_in_minutes_is_refused(demo_store, known, foreign, fetched):
    """The "Linked suggestions" multiselect value tampered to a Dublin suggestion: publishing refuses it."""
    manager = known["manager"]
    meeting = minutes.start_draft(demo_store, manager, team_id=manager.team_id, office_id=manager.office_id,
                                  today=TODAY)
    doc = {"meeting_date": TODAY.isoformat(), "chair_id": manager.id, "attendee_ids": [],
           "items": [{"id": None, "kind": "decision", "category": None, "discussed": "Links", "solution": "",
                      "suggestion_ids": [foreign.suggestion], "actions": []}]}
    with pytest.raises(Invalid) as refused:
        minutes.publish(demo_store, manager, meeting, doc, today=TODAY, categories=settings.load(demo_store).categories)
    assert refused.value.errors == {"items.0.suggestion_ids": "Link only suggestions of this office."}
    assert reading(fetched, foreign.suggestion_marker) == []
    assert [e["kind"] for e in suggestions.timeline(demo_store, foreign.suggestion)] == ["submitted"]


# --- session state ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("amend", [False, True], ids=["draft", "published"])
def test_another_managers_minutes_put_into_the_editor_state(demo_store, known, foreign, fetched, amend):
    """The editor's meeting id in session state swapped for a Dublin manager's minutes: refused, nothing read."""
    manager = known["manager"]
    target = foreign.meeting if amend else foreign.draft
    mine = {"meeting_date": TODAY.isoformat(), "chair_id": manager.id, "attendee_ids": [],
            "items": [{**minutes.empty_item(), "discussed": "Overwritten?", "uid": "x"}]}
    at = open_page(demo_store, manager, "minutes", direct=True,
                 state={"minutes_edit": {"meeting_id": target, "doc": mine, "amend": amend},
                        "minutes_opened_draft": True})
    assert not at.exception
    assert errors(at) == [NOT_MINUTES]
    assert not [b for b in at.button if b.label in ("Publish", "Save amendment")]
    assert "minutes_edit" not in at.session_state
    for marker in (foreign.meeting_marker, foreign.draft_marker, foreign.action_marker):
        assert reading(fetched, marker) == [], marker
    leader = known["leader"]
    assert minutes.get_meeting(demo_store, leader, foreign.meeting)["items"][0]["discussed"] == foreign.meeting_marker


def test_follow_code_in_session_state_that_is_not_ones_own(demo_store, known, foreign, fetched):
    """A code in session state opens only the suggestion whose secret it carries: a made-up one opens nothing."""
    made_up = "ABCDEF-" + "-".join(["AAAA"] * 4)
    at = open_page(demo_store, known["staff"], "follow", direct=True, state={"follow_code": made_up})
    assert not at.exception
    assert errors(at) == [receipts.WRONG]
    assert reading(fetched, foreign.suggestion_marker) == []
    assert "follow_code" not in at.session_state


# --- the service functions behind the pages ----------------------------------------------------------------

def test_actions_on_foreign_ids_are_refused_without_reading_them(demo_store, known, foreign, fetched):
    staff, manager, regional = known["staff"], known["manager"], known["regional_manager"]
    refused = [
        lambda: suggestions.get(demo_store, staff, foreign.suggestion),
        lambda: suggestions.vote(demo_store, staff, foreign.suggestion),
        lambda: suggestions.comment(demo_store, staff, foreign.suggestion, "hello"),
        lambda: triage.change_status(demo_store, manager, foreign.suggestion, "acknowledged"),
        lambda: triage.reply(demo_store, manager, foreign.suggestion, "hello"),
        lambda: triage.assign(demo_store, regional, foreign.suggestion, regional.id),
        lambda: triage.escalate(demo_store, manager, foreign.suggestion),
        lambda: triage.escalate_as_author(demo_store, staff, foreign.suggestion, today=TODAY, sla_days=0),
        lambda: minutes.get_meeting(demo_store, staff, foreign.meeting),
        lambda: minutes.version_content(demo_store, regional, foreign.meeting, 1),
        lambda: actions.close(demo_store, staff, foreign.action, "done"),
        lambda: actions.close(demo_store, manager, foreign.action, "dropped", "not mine"),
        lambda: review.review(demo_store, regional, foreign.meeting, "reviewed"),
        lambda: minutes.load_for_editing(demo_store, manager, foreign.draft),
        lambda: minutes.save_draft(demo_store, manager, foreign.draft, {"items": []}),
        lambda: minutes.load_for_editing(demo_store, manager, foreign.meeting),
        lambda: minutes.start_draft(demo_store, manager, team_id=foreign.team_id, office_id=known["leader"].office_id,
                                    today=TODAY),  # the foreign team is in Dublin, the leader's office
    ]
    for number, call in enumerate(refused):
        with pytest.raises(NotAllowed):
            call()
            pytest.fail(f"call {number} was not refused")
    for marker in (foreign.suggestion_marker, foreign.meeting_marker, foreign.action_marker, foreign.draft_marker):
        assert reading(fetched, marker) == [], marker
    leader = known["leader"]
    assert suggestions.get(demo_store, leader, foreign.suggestion)["status"] == "new"
    assert minutes.get_meeting(demo_store, leader, foreign.meeting)["review_status"] is None
    assert minutes.get_meeting(demo_store, leader, foreign.meeting)["items"][0]["actions"][0]["status"] == "open"


def test_pulse_results_of_another_team_are_not_read(demo_store, known, foreign, fetched):
    """Comments and figures of a Dublin team, asked for by group id: nothing comes back and nothing is read."""
    k = settings.load(demo_store).anonymity_k
    for role in ("manager", "regional_manager", "staff"):
        person = known[role]
        assert reports.pulse_comments(demo_store, person, k=k, period_id=foreign.period_id, level="team",
                                      group_id=foreign.team_id) == []
        assert not [r for r in reports.morale(demo_store, person, k=k, level="team")
                    if r["team_id"] == foreign.team_id]
    assert reading(fetched, foreign.comment_marker) == []
    shown = reports.pulse_comments(demo_store, known["leader"], k=k, period_id=foreign.period_id, level="team",
                                   group_id=foreign.team_id)
    assert shown == [foreign.comment_marker] * 5 and reading(fetched, foreign.comment_marker)


def test_pulse_page_shows_no_other_teams_comments(demo_store, known, foreign, fetched):
    at = open_page(demo_store, known["manager"], "pulse", direct=True)
    assert not at.exception and not errors(at)
    assert foreign.comment_marker not in rendered(at)
    assert reading(fetched, foreign.comment_marker) == []
