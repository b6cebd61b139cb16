"""The admin role stops at its job: people, roles, settings and imports; otherwise an admin reads as a staff
member of their own team. Checked in the data layer on both backends (the whole admin column of the access
matrix, and what the allowed reads contain), in every page an admin may open (no secret, no session time),
and in the code (the whole-roster scope reaches roster reads only; no core function lets admins through
elsewhere)."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from board.errors import NotAllowed
from board.feedback import suggestions
from board.meetings import minutes, playbook
from board.org import access, people
from board.org.access import PAGE_ROLES
from tests.support import paths
from tests.support.access_matrix import ACTIONS, Ctx, outcome
from tests.support.pages import open_page

BOARD = paths.BOARD
CORE = sorted(p for p in BOARD.rglob("*.py") if "web" not in p.relative_to(BOARD).parts)  # all but the Streamlit side
ADMIN_PAGES = [page for page, roles in PAGE_ROLES.items() if "admin" in roles]


def rows_of(found) -> list[dict]:
    return list(getattr(found, "rows", found))


def team_colleague(store, admin):
    """An active staff member of the admin's own team."""
    return next(people.get_person(store, p["id"]) for p in people.list_people(store, admin)
                if p["team_id"] == admin.team_id and p["role"] == "staff")


# --- data layer ---------------------------------------------------------------------------------------

# Everything an admin may call (the rest of tests/support/access_matrix.py refuses them): their job, then what a staff
# member does in their own team and office.
ADMIN_MAY = {
    # people, roles, settings, imports, and the audit of those changes
    "people.list_people", "people.change_person", "accounts.admin_set_password", "settings.save", "audit.recent",
    "roster.admin_plan_roster", "roster.admin_import_roster", "roster.admin_import_org",
    "reports.teams_without_manager", "reports.offices_in_scope", "reports.admin_attention",
    # as staff of their own team: raise, follow (with a code), browse the office, minutes, pulse answer, playbook
    "suggestions.submit", "suggestions.browse", "suggestions.similar", "suggestions.mine",
    "suggestions.anonymity_at_risk", "suggestions.follow", "suggestions.author_reply", "triage.escalate_with_code",
    "minutes.my_drafts", "minutes.list_minutes", "actions.mine", "review.verdicts_for_author",
    "pulse.submit", "pulse.has_answered", "reports.team_summary",
    "inbox.unread_count", "inbox.updates", "inbox.count", "suggestions.discussed_in", "inbox.mark_all_read",
    "playbook.search", "playbook.groups", "playbook.entry", "reports.you_said_we_did",
    "accounts.change_own_password",
    # a copy of personal data: their own, and anyone's (audited); erasing is theirs too, but only of a leaver
    "personal_data.export",
    # languages and office calendars: the organisation's default language and category names, each office's zone,
    # working week and holidays; their own language, zone and day as anyone's
    "settings.save_languages", "people.set_locale", "calendar.offices", "calendar.admin_save",
    "calendar.admin_plan_holidays", "calendar.admin_import_holidays", "calendar.coming_holidays",
    "calendar.person_zone", "calendar.person_today",
}

@pytest.mark.slow
def test_every_data_function_called_as_the_admin_gives_exactly_the_admin_column(demo_store, known):
    """The access matrix's admin column on this backend (the matrix itself runs every role on DuckDB)."""
    ctx, admin = Ctx(demo_store, known), known["admin"]
    assert {a.name for a in ACTIONS if a.expect["admin"] == "ok"} == ADMIN_MAY  # the matrix says the same
    got = {a.name: outcome(a, ctx, admin) for a in ACTIONS}
    assert got == {a.name: a.expect["admin"] for a in ACTIONS}


def test_an_admin_reads_suggestions_minutes_and_the_playbook_as_a_staff_member_of_their_team(demo_store, known):
    admin, leader = known["admin"], known["leader"]
    colleague = team_colleague(demo_store, admin)

    def ids(rows, key="id"):
        return [r[key] for r in rows]

    office = rows_of(suggestions.browse(demo_store, admin, limit=10_000))
    assert office and {r["office_id"] for r in office} == {admin.office_id}
    assert ids(office) == ids(rows_of(suggestions.browse(demo_store, colleague, limit=10_000)))
    words = ("Refunds take too long", "Customers wait for refunds and the billing screens are slow")
    assert (ids(suggestions.similar(demo_store, admin, *words))
            == ids(suggestions.similar(demo_store, colleague, *words)))
    read = minutes.list_minutes(demo_store, admin, limit=10_000)
    assert ids(read) == ids(minutes.list_minutes(demo_store, colleague, limit=10_000))
    solutions = playbook.search(demo_store, admin, limit=10_000)  # shared knowledge; `can_open` as for staff
    assert sorted(solutions, key=repr) == sorted(playbook.search(demo_store, colleague, limit=10_000), key=repr)

    elsewhere = [r for r in rows_of(suggestions.browse(demo_store, leader, limit=10_000))
                 if r["office_id"] != admin.office_id]
    other_minutes = [m for m in minutes.list_minutes(demo_store, leader, limit=10_000) if m["id"] not in ids(read)]
    assert elsewhere and other_minutes  # the demo has something for the admin not to read
    for row in elsewhere[:20]:
        with pytest.raises(NotAllowed):
            suggestions.get(demo_store, admin, row["id"])
    for meeting in other_minutes[:20]:
        with pytest.raises(NotAllowed):
            minutes.get_meeting(demo_store, admin, meeting["id"])


# --- pages: no secret and no session time in anything an admin is shown ---------------------------------

SECRET_COLUMNS = ("%hash%", "receipt_lookup", "voter", "submission_key")


def secrets_stored(store) -> set[str]:
    """Every stored hash, follow-up code lookup key, voter hash and submission key."""
    found = set()
    with store.read() as con:
        columns = con.rows(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            f" AND ({' OR '.join(['column_name LIKE ?'] * len(SECRET_COLUMNS))})", SECRET_COLUMNS)
        for c in columns:
            found |= {str(r["v"]) for r in con.rows(
                f'SELECT DISTINCT "{c["column_name"]}" AS v FROM "{c["table_name"]}"'
                f' WHERE "{c["column_name"]}" IS NOT NULL')}
    return {value for value in found if len(value) >= 12}


def session_times(store) -> set:
    with store.read() as con:
        return {pd.Timestamp(r[c]) for r in con.rows("SELECT created_at, last_seen_at, ended_at FROM sessions")
                for c in ("created_at", "last_seen_at", "ended_at") if r[c] is not None}


def shown(at) -> tuple[str, set]:
    """All text the page shows (elements, labels, options, table headers and cells) and every table cell."""
    texts, cells = [], set()
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "code", "info", "warning", "error",
                 "success", "metric", "json", "exception"):
        texts += [str(getattr(e, "value", e)) for e in getattr(at, kind)]
    for widget in (*at.selectbox, *at.multiselect, *at.radio, *at.text_input, *at.number_input, *at.checkbox,
                   *at.toggle, *at.button, *at.text_area, *at.date_input):
        texts += [str(widget.label), str(getattr(widget, "options", ""))]
    for table in (*at.dataframe, *at.table):
        frame = table.value
        texts += [str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()]
        cells |= {pd.Timestamp(v) for v in frame.to_numpy().ravel() if isinstance(v, (datetime, np.datetime64))}
    return "\n".join(texts), cells


@pytest.mark.slow
def test_no_page_an_admin_opens_shows_a_secret_or_a_session_time(demo_store, known):
    for role in ("staff", "manager", "leader"):  # others' sessions exist, so there are times to leak
        open_page(demo_store, known[role])
    stored, times = secrets_stored(demo_store), None
    assert any(s.startswith("$argon2") for s in stored)  # the scan finds the password hashes at least
    for page in ADMIN_PAGES:
        at = open_page(demo_store, known["admin"], page)
        assert not at.exception, page
        times = session_times(demo_store)  # including the admin's own session, just made
        text, cells = shown(at)
        assert text, page
        assert not [s for s in stored if s in text], page
        assert "hash" not in text.lower(), page
        assert not (cells & times), page
        assert not [t for t in times if str(t) in text or str(t.to_pydatetime()) in text], page
    assert times


# --- the code: the whole-roster scope and the word "admin" ------------------------------------------------

def module(path: Path) -> str:
    """The short name the tables below use: the file's stem, or its package's for an __init__.py."""
    return path.parent.name if path.stem == "__init__" else path.stem


def callers(name: str, *, rule: str | None = None) -> dict[str, str]:
    """module.function (outermost) -> its source, for every function in board/ that calls `name` (with the
    scope rule `rule` as its second argument, when given)."""
    def calls(n) -> bool:
        return (isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == name
                and (rule is None or (len(n.args) > 1 and isinstance(n.args[1], ast.Constant)
                                      and n.args[1].value == rule)))

    found = {}
    for path in CORE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for top in tree.body:
            if isinstance(top, ast.FunctionDef) and any(calls(n) for n in ast.walk(top)):
                found[f"{module(path)}.{top.name}"] = ast.get_source_segment(path.read_text(encoding="utf-8"), top)
    return found


def test_the_whole_organisation_scope_of_admins_reaches_roster_reads_only():
    """The "roster" scope rule gives admins (and leaders) everything: it may limit people, teams and offices
    only, never a suggestion, minutes, pulse or dashboard read."""
    assert access.SCOPES["roster"]["admin"] == "all"
    assert [rule for rule, reach in access.SCOPES.items() if reach.get("admin") == "all"] == ["roster"]
    found = callers("where", rule="roster")
    assert set(found) == {"people.list_people", "reports.teams_without_manager", "reports.offices_in_scope"}
    for name, source in found.items():
        assert not [w for w in ("suggestion", "meeting", "action_items", "pulse", "votes", "sessions", "accounts")
                    if w in source.lower()], name


# Core functions that name the admin role, and why each is about managing people, not reading data.
ADMIN_IN_CORE = {
    "people.active_admins": "the last-admin rule",
    "people.change_person": "the last-admin rule",
    "roster._check_admins_remain": "an import keeps an active admin",
    "demo.roster_rows": "the demo organisation has an admin",
    "access.role_and_place": "words the admin's own place (as staff of their team) on Home and in the sidebar",
}


def test_no_core_function_lets_the_admin_role_through_beyond_its_job():
    """A new `role in (..., "admin")` in a core read fails here until it is argued for above."""
    found = set()
    for path in CORE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for top in tree.body:
            if isinstance(top, ast.FunctionDef) and any(
                    isinstance(n, ast.Constant) and isinstance(n.value, str)
                    and (n.value == "admin" or "'admin'" in n.value) for n in ast.walk(top)):
                found.add(f"{module(path)}.{top.name}")
    assert found == set(ADMIN_IN_CORE)
