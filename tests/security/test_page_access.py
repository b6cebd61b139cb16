"""Which pages a person can open through the app (AppTest): every allowed page renders for each role, no other
page can be navigated to, a signed-out browser sees only the sign-in form, a demoted or deactivated person loses
pages on their next rerun (built-in sign-in and OpenID Connect alike), and the people page shows only the
viewer's scope. Every forbidden page file run directly, navigation bypassed: tests/security/test_access_matrix.py."""

from __future__ import annotations

import pytest

from board import demo
from board.org import people
from board.org.access import PAGE_ROLES
from tests.support.pages import (
    ALLOWED,
    FILES,
    FORBIDDEN,
    errors,
    frame,
    oidc_app,
    open_page,
    page_file,
    signed_out,
    titles,
)

TITLES = {  # the heading each page shows (pages not listed here must show exactly one heading)
    "home": "Home",
    "raise": "Raise a suggestion",
    "my_suggestions": "My suggestions",
    "inbox": "Inbox",
    "browse": "All suggestions",
    "follow": "Follow with a code",
    "triage": "Triage",
    "people": "People",
    "admin_people": "Accounts and roles",
    "admin_roster": "Roster import",
    "admin_settings": "Settings",
}


ADMIN_PAGES = [key for key in PAGE_ROLES if key.startswith("admin_")]


def set_role(store, person_id: int, role: str) -> None:
    store.write(lambda con: con.execute("UPDATE people SET role = ? WHERE id = ?", (role, person_id)))


# --- 1 and 2: every page by role ------------------------------------------------

@pytest.mark.parametrize(("role", "page"), ALLOWED, ids=[f"{r}-{p}" for r, p in ALLOWED])
def test_allowed_page_renders_for_role(shared_demo_store, known, role, page):
    at = open_page(shared_demo_store, known[role], page)
    assert not at.exception
    assert (titles(at) == [TITLES[page]]) if page in TITLES else (len(titles(at)) == 1)
    assert not errors(at)


def test_every_page_in_access_rules_is_in_the_router():
    assert set(FILES) == set(PAGE_ROLES)


@pytest.mark.slow  # a matrix: every role x every page it may not open
@pytest.mark.parametrize(("role", "page"), FORBIDDEN, ids=[f"{r}-{p}" for r, p in FORBIDDEN])
def test_forbidden_page_cannot_be_opened_by_role(shared_demo_store, known, role, page):
    at = open_page(shared_demo_store, known[role])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page_file(page))


def test_signed_out_only_has_the_sign_in_page_and_no_data(demo_db_path):
    at = signed_out()
    assert not at.exception
    assert titles(at) == ["Frontline Board"]
    assert [w.label for w in at.text_input] == ["Email", "Password"]
    for page in PAGE_ROLES:
        with pytest.raises(ValueError):
            at.switch_page(page_file(page))
    # The only table is the demo's list of known sign-in emails; no roster data, no sign-out button.
    assert len(at.dataframe) == 1
    assert sorted(at.dataframe[0].value["Email"]) == sorted(email for email, _ in demo.KNOWN.values())
    assert not at.sidebar.button


# --- 4: role and active flag are re-read on every rerun ----------------------------

def test_demoted_admin_loses_admin_pages_on_next_rerun(demo_store, known):
    admin = known["admin"]
    at = open_page(demo_store, admin, "admin_settings")
    assert titles(at) == ["Settings"]
    set_role(demo_store, admin.id, "staff")
    at.run()
    assert not at.exception
    assert titles(at) == ["Home"]
    for page in ADMIN_PAGES + ["people"]:
        with pytest.raises(ValueError):
            at.switch_page(page_file(page))


ROLE_ONLY_PAGES = {"manager": ("triage", "Triage"), "regional_manager": ("review", "Review queue"),
                   "leader": ("overview", "Office overview"), "admin": ("admin_people", "Accounts and roles")}


@pytest.mark.parametrize("role", list(ROLE_ONLY_PAGES))
def test_demoted_to_staff_loses_the_role_page_on_next_rerun(demo_store, known, role):
    page, title = ROLE_ONLY_PAGES[role]
    at = open_page(demo_store, known[role], page)
    assert titles(at) == [title] and not errors(at)
    set_role(demo_store, known[role].id, "staff")
    at.run()
    assert not at.exception
    assert titles(at) == ["Home"]
    with pytest.raises(ValueError):
        at.switch_page(page_file(page))


def test_deactivated_person_is_signed_out_on_next_rerun(demo_store, known):
    manager = known["manager"]
    at = open_page(demo_store, manager, "people")
    assert titles(at) == ["People"]
    demo_store.write(lambda con: con.execute("UPDATE people SET active = FALSE WHERE id = ?", (manager.id,)))
    at.run()
    assert not at.exception
    assert titles(at) == ["Frontline Board"]
    assert not at.sidebar.button
    with pytest.raises(ValueError):
        at.switch_page(page_file("people"))


@pytest.mark.parametrize("user", [
    {"is_logged_in": True, "email": "admin@demo.board", "email_verified": False},
    {"is_logged_in": True, "email": "admin@demo.board"},
    {"is_logged_in": True, "email": "stranger@example.com", "email_verified": True},
], ids=["unverified", "no-verified-claim", "not-in-roster"])
def test_oidc_identity_without_access_sees_only_no_access(demo_db_path, user):
    at = oidc_app(user)
    assert not at.exception
    assert titles(at) == ["No access"]
    assert not at.dataframe
    with pytest.raises(ValueError):
        at.switch_page(page_file("home"))


def test_oidc_demoted_person_loses_the_page_on_next_rerun(demo_store, known):
    at = oidc_app({"is_logged_in": True, "email": "manager@demo.board", "email_verified": True})
    at.switch_page(page_file("triage")).run()
    assert titles(at) == ["Triage"]
    set_role(demo_store, known["manager"].id, "staff")
    at.run()
    assert not at.exception
    assert titles(at) == ["Home"]
    with pytest.raises(ValueError):
        at.switch_page(page_file("triage"))


def test_oidc_deactivated_person_has_no_access_on_next_rerun(demo_store, known):
    at = oidc_app({"is_logged_in": True, "email": "manager@demo.board", "email_verified": True})
    assert titles(at) == ["Home"]
    demo_store.write(lambda con: con.execute("UPDATE people SET active = FALSE WHERE id = ?", (known["manager"].id,)))
    at.run()
    assert titles(at) == ["No access"]


# --- 6: the people page shows only the viewer's scope --------------------------------

def test_manager_sees_only_their_own_team(demo_store, known):
    manager = known["manager"]
    at = open_page(demo_store, manager, "people")
    table = frame(at.dataframe[0])
    assert len(table) > 1
    assert set(zip(table["team"], table["office"], strict=True)) == {(manager.team, manager.office)}
    assert "staff@demo.board" in set(table["email"])


def test_regional_manager_sees_only_their_region(demo_store, known):
    regional = known["regional_manager"]
    at = open_page(demo_store, regional, "people")
    table = frame(at.dataframe[0])
    assert set(table["region"]) == {regional.region}
    assert len(set(table["office"])) > 1
    assert len(table) == len(people.list_people(demo_store, regional))


def test_leader_sees_every_region(demo_store, known):
    at = open_page(demo_store, known["leader"], "people")
    assert set(frame(at.dataframe[0])["region"]) == set(demo.REGIONS)
