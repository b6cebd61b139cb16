"""Role x page x action matrix: every page for every role, and every data function called as every role.

Pages: the allowed ones render (tests/security/test_page_access.py, test_allowed_page_renders_for_role) and are
unreachable through navigation otherwise (test_forbidden_page_cannot_be_opened_by_role); here every forbidden page
*file* is also run directly, as if navigation were bypassed, and must refuse with "not allowed" and show no data.

Actions: every service function that takes the acting or viewing Person is called as each of the five known
demo people (staff, manager and regional manager of Billing, Kuala Lumpur; leader and admin in Dublin) against
one real copy of the demo database, and must succeed, return nothing, or raise NotAllowed as the table says
(design.md, "People and roles"). A meta-test fails when a new such function is added without a row here.

The admin column is the admin's whole reach: people, roles, settings, imports and the audit of those changes;
beyond that only what a staff member does in their own team and office (raise, follow, browse their office,
answer the pulse, read their team's minutes, the playbook). No pulse results, no dashboards, no triage, no other
office's suggestions or minutes, no backup (tests/security/test_admin_reads.py checks what the allowed reads
contain). The matrix itself, and the context that makes its targets, are in tests/support/access_matrix.py.
"""

from __future__ import annotations

import inspect
import shutil

import pytest

from board import demo
from board import store as db
from board.errors import NotAllowed
from board.feedback import suggestions, triage
from board.org import people
from board.org.access import PAGE_ROLES, ROLES
from tests.support.access_matrix import ACTIONS, MODULES, NOT_ACTIONS, Ctx, outcome
from tests.support.pages import ALLOWED, FORBIDDEN, open_page

# --- pages: every forbidden page file, run directly --------------------------------------------------


@pytest.mark.slow  # a matrix of page runs
@pytest.mark.parametrize(("role", "page"), FORBIDDEN, ids=[f"{r}-{p}" for r, p in FORBIDDEN])
def test_forbidden_page_file_run_directly_says_not_allowed_and_shows_nothing(shared_demo_store, known, role, page):
    """Defence in depth: even with navigation bypassed, the page checks the role before reading anything."""
    at = open_page(shared_demo_store, known[role], page, direct=True)
    assert not at.exception
    assert [e.value for e in at.error] == ["You are not allowed to open this page."]
    shown = [*at.title, *at.subheader, *at.dataframe, *at.table, *at.text, *at.markdown, *at.caption, *at.metric,
             *at.selectbox, *at.text_input, *at.button, *at.get("plotly_chart")]
    assert not shown, [getattr(e, "value", getattr(e, "label", e)) for e in shown]


def test_every_allowed_page_of_every_role_is_checked_in_test_pages():
    """The allowed half of the page matrix lives in test_page_access.py; both halves together cover 5 x every page."""
    assert sorted(ALLOWED + FORBIDDEN) == sorted((r, p) for p in PAGE_ROLES for r in ROLES)
    assert len(ROLES) == 5


# --- actions: the shared database ---------------------------------------------------------------

@pytest.fixture(scope="module")
def ctx(tmp_path_factory, demo_template):
    path = tmp_path_factory.mktemp("matrix") / "board.duckdb"
    shutil.copy(demo_template, path)
    store = db.open_store(path)
    known = {role: people.find_by_email(store, email) for role, (email, _) in demo.KNOWN.items()}
    yield Ctx(store, known)
    db.close_store(path)


# Rows that check an argon2 hash for every role (passwords, follow-up codes) take seconds each.
SLOW_ACTIONS = {"accounts.change_own_password", "suggestions.follow", "suggestions.author_reply",
                "triage.escalate_with_code"}


@pytest.mark.parametrize("action", [pytest.param(a, id=a.name, marks=[pytest.mark.slow] * (a.name in SLOW_ACTIONS))
                                    for a in ACTIONS])
def test_action_as_each_role(ctx, action):
    got = {role: outcome(action, ctx, ctx.known[role]) for role in ROLES}
    assert got == action.expect


def test_every_function_that_takes_a_person_is_in_the_matrix():
    """A new data function that acts for a person must get a row above (or be declared a helper)."""
    found = set()
    for module in MODULES:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            if any("Person" in str(p.annotation) for p in inspect.signature(fn).parameters.values()):
                found.add(f"{module.__name__.rsplit('.', 1)[-1]}.{name}")
    covered = {a.name for a in ACTIONS}
    assert found - covered - NOT_ACTIONS == set()
    assert covered | NOT_ACTIONS <= found  # no stale rows


def test_denied_actions_change_nothing(ctx):
    """A refused write leaves the database as it was (checked on the suggestion a refused triage names)."""
    target = ctx.suggestion().id
    before = suggestions.timeline(ctx.store, target)
    for role in ("staff", "admin"):
        for call in (lambda p: triage.change_status(ctx.store, p, target, "acknowledged"),
                     lambda p: triage.reply(ctx.store, p, target, "x"),
                     lambda p: triage.escalate(ctx.store, p, target)):
            with pytest.raises(NotAllowed):
                call(ctx.known[role])
    assert suggestions.timeline(ctx.store, target) == before
    assert suggestions.get(ctx.store, ctx.known["leader"], target)["status"] == "new"
