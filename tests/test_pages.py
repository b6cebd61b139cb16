"""AppTest suite: every page by role, sign-in, losing access on the next rerun, admin pages, people scope."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from board import demo
from board.reporting import reports
from board.org import accounts, people, settings, throttle
from board.org.access import PAGE_ROLES, ROLES

APP = str(Path(__file__).resolve().parent.parent / "board" / "web" / "app.py")


def _router_files() -> dict[str, str]:
    """page key -> page file, read from the PAGES table in the router (a script, so not importable)."""
    tree = ast.parse(Path(APP).read_text(encoding="utf-8"))
    table = next(node.value for node in tree.body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES")
    return {key: next(v for v in entry if v.endswith(".py")) for key, entry in ast.literal_eval(table).items()}


FILES = _router_files()
TITLES = {  # the heading each page shows (pages not listed here must show exactly one heading)
    "home": "Home",
    "raise": "Raise a suggestion",
    "my_suggestions": "My suggestions",
    "inbox": "Inbox",
    "browse": "Suggestions",
    "follow": "Follow with a code",
    "triage": "Triage",
    "people": "People",
    "admin_people": "Accounts and roles",
    "admin_roster": "Roster import",
    "admin_settings": "Settings",
}
ADMIN_PAGES = [key for key in PAGE_ROLES if key.startswith("admin_")]
ALLOWED = [(role, page) for page, roles in PAGE_ROLES.items() for role in ROLES if role in roles]
FORBIDDEN = [(role, page) for page, roles in PAGE_ROLES.items() for role in ROLES if role not in roles]
GENERIC_REFUSAL = "That email and password do not match an active account."


# --- helpers -----------------------------------------------------------------

def page_file(key: str) -> str:
    return FILES[key]


def signed_out() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30).run()


def signed_in(store, person, page: str | None = None) -> AppTest:
    """The app with a real built-in session for the person, run once (and on a page, if given)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["session_token"] = accounts.start_session(store, person.id)
    at.run()
    if page:
        at.switch_page(page_file(page)).run()
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def redirect(at: AppTest) -> str | None:
    """Where the page sends the browser (a server route), if anywhere: the link the redirect script follows."""
    bodies = [element.body for element in at.html if 'id="board-continue"' in element.body]
    assert len(bodies) <= 1
    return re.search(r'href="([^"]+)"', bodies[0]).group(1).replace("&amp;", "&") if bodies else None


def sign_in_with(at: AppTest, email: str, password: str) -> AppTest:
    by_label(at.text_input, "Email").input(email)
    by_label(at.text_input, "Password").input(password)
    return by_label(at.form_submit_button, "Sign in").click().run()


def set_role(store, person_id: int, role: str) -> None:
    store.write(lambda con: con.execute("UPDATE people SET role = ? WHERE id = ?", (role, person_id)))


def people_count(store) -> int:
    counts = people.counts(store)
    return counts["active_people"] + counts["inactive_people"]


# --- 1 and 2: every page by role ------------------------------------------------

@pytest.mark.parametrize(("role", "page"), ALLOWED, ids=[f"{r}-{p}" for r, p in ALLOWED])
def test_allowed_page_renders_for_role(demo_store, known, role, page):
    at = signed_in(demo_store, known[role], page)
    assert not at.exception
    assert (titles(at) == [TITLES[page]]) if page in TITLES else (len(titles(at)) == 1)
    assert not errors(at)


def test_every_page_in_access_rules_is_in_the_router():
    assert set(FILES) == set(PAGE_ROLES)


@pytest.mark.parametrize(("role", "page"), FORBIDDEN, ids=[f"{r}-{p}" for r, p in FORBIDDEN])
def test_forbidden_page_cannot_be_opened_by_role(demo_store, known, role, page):
    at = signed_in(demo_store, known[role])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page_file(page))


# Every forbidden page file run directly (navigation bypassed), for all five roles: tests/test_access_matrix.py.


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


def test_user_text_is_never_rendered_as_markdown(demo_store, known):
    payload = " ![x](http://example.invalid/x.png)"
    demo_store.write(lambda con: con.execute("UPDATE people SET name = name || ?", (payload,)))
    for page, roles in PAGE_ROLES.items():
        role = next(r for r in ("admin", "leader", "regional_manager", "manager", "staff") if r in roles)
        at = signed_in(demo_store, known[role], page)
        assert not at.exception
        markdown_like = [e.value for kind in ("markdown", "caption", "title", "subheader", "header",
                                              "info", "warning", "error", "success", "toast")
                         for e in getattr(at, kind)]
        labels = [w.label for w in (*at.selectbox, *at.text_input, *at.checkbox, *at.button)]
        assert not [v for v in markdown_like + labels if "example.invalid" in str(v)], page
    assert any("example.invalid" in t.value for t in at.sidebar.text)  # shown, but as plain text


def oidc_app(user: dict, cookie_secret: str | None = "s" * 40) -> AppTest:
    """The app in OpenID Connect mode ([auth] in secrets) with st.user set as the provider would
    (cookie_secret None: the key is missing)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["auth"] = {"cookie_secret": cookie_secret, "redirect_uri": "http://localhost:8501/oauth2callback",
                          "client_id": "board", "client_secret": "secret",
                          "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    if cookie_secret is None:
        del at.secrets["auth"]["cookie_secret"]
    at.user = user
    return at.run()


@pytest.mark.parametrize("cookie_secret", ["short", "", "s" * 31, None],
                         ids=["short", "empty", "31-chars", "missing"])
def test_oidc_short_or_missing_cookie_secret_stops_the_app(demo_db_path, cookie_secret):
    at = oidc_app({"is_logged_in": True, "email": "admin@demo.board", "email_verified": True},
                  cookie_secret=cookie_secret)
    assert not at.exception
    assert len(errors(at)) == 1 and "cookie_secret" in errors(at)[0]
    assert not titles(at) and not at.dataframe and not at.sidebar.button


def test_oidc_verified_email_of_active_person_opens_home(demo_db_path, known):
    at = oidc_app({"is_logged_in": True, "email": "Leader@Demo.Board", "email_verified": True})
    assert not at.exception
    assert titles(at) == ["Home"]
    at.switch_page(page_file("people")).run()
    assert titles(at) == ["People"]


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


# --- 3: the sign-in form -----------------------------------------------------------

def test_wrong_password_or_unknown_email_shows_one_generic_message(demo_db_path):
    at = sign_in_with(signed_out(), "admin@demo.board", "wrong")
    assert errors(at) == [GENERIC_REFUSAL]
    assert redirect(at) is None
    at = sign_in_with(signed_out(), "nobody@demo.board", "demo")
    assert errors(at) == [GENERIC_REFUSAL]
    assert redirect(at) is None
    assert titles(at) == ["Frontline Board"]


def test_right_password_hands_the_browser_a_one_time_code_for_the_server_set_cookie(demo_store, known):
    """The page never writes the cookie (scripts cannot read an HttpOnly one): it sends the browser to the
    server's /session/begin with a code, which the server redeems once (tests/test_sessions.py)."""
    at = sign_in_with(signed_out(), "Admin@Demo.Board ", demo.PASSWORD)
    assert not at.exception and not errors(at)
    url = redirect(at)
    assert url.startswith("/session/begin?")
    assert not any("cookie" in element.body for element in at.html)
    code = parse_qs(urlsplit(url).query)["code"][0]
    token, person = accounts.redeem_handoff(demo_store, code)
    assert person == known["admin"]
    assert accounts.resume_session(demo_store, token) == known["admin"]


def test_five_failures_then_right_password_is_throttled(demo_db_path):
    at = signed_out()
    for _ in range(accounts.MAX_FAILURES):
        at = sign_in_with(at, "staff@demo.board", "wrong")
    at = sign_in_with(at, "staff@demo.board", demo.PASSWORD)
    assert len(errors(at)) == 1 and errors(at)[0].startswith("Too many failed attempts")
    assert redirect(at) is None
    assert titles(at) == ["Frontline Board"]


def test_sign_out_ends_the_session_and_sends_the_browser_to_clear_the_cookie(demo_store, known):
    at = signed_in(demo_store, known["staff"])
    token = at.session_state["session_token"]
    at.sidebar.button(key="sign_out").click().run()
    assert redirect(at) == "/session/end"
    assert accounts.resume_session(demo_store, token) is None
    at.run()
    assert titles(at) == ["Frontline Board"]


# --- 4: role and active flag are re-read on every rerun ----------------------------

def test_demoted_admin_loses_admin_pages_on_next_rerun(demo_store, known):
    admin = known["admin"]
    at = signed_in(demo_store, admin, "admin_settings")
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
    at = signed_in(demo_store, known[role], page)
    assert titles(at) == [title] and not errors(at)
    set_role(demo_store, known[role].id, "staff")
    at.run()
    assert not at.exception
    assert titles(at) == ["Home"]
    with pytest.raises(ValueError):
        at.switch_page(page_file(page))


def test_deactivated_person_is_signed_out_on_next_rerun(demo_store, known):
    manager = known["manager"]
    at = signed_in(demo_store, manager, "people")
    assert titles(at) == ["People"]
    demo_store.write(lambda con: con.execute("UPDATE people SET active = FALSE WHERE id = ?", (manager.id,)))
    at.run()
    assert not at.exception
    assert titles(at) == ["Frontline Board"]
    assert not at.sidebar.button
    with pytest.raises(ValueError):
        at.switch_page(page_file("people"))


# --- 5: admin pages ------------------------------------------------------------------

def test_settings_k_below_minimum_shows_field_error_and_saves_nothing(demo_store, known):
    before = settings.load(demo_store)
    at = signed_in(demo_store, known["admin"], "admin_settings")
    by_label(at.number_input, "Minimum group size for anonymous results (k)").set_value(2)
    by_label(at.number_input, "Acknowledgement time (working days)").set_value(9)
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not at.exception
    assert errors(at) == [f"Minimum group size must be a whole number from {settings.MIN_K} to 50."]
    assert not at.success
    assert settings.load(demo_store) == before


def test_settings_error_is_forgotten_after_leaving_the_page(demo_store, known):
    """Regression: coming back showed the saved k under an error about the rejected k."""
    at = signed_in(demo_store, known["admin"], "admin_settings")
    by_label(at.number_input, "Minimum group size for anonymous results (k)").set_value(2)
    by_label(at.form_submit_button, "Save settings").click().run()
    assert errors(at)
    at.switch_page(page_file("home")).run()
    at.switch_page(page_file("admin_settings")).run()
    assert by_label(at.number_input, "Minimum group size for anonymous results (k)").value == 5
    assert not errors(at)


def test_settings_valid_values_are_saved(demo_store, known):
    at = signed_in(demo_store, known["admin"], "admin_settings")
    by_label(at.number_input, "Minimum group size for anonymous results (k)").set_value(7)
    by_label(at.number_input, "Acknowledgement time (working days)").set_value(10)
    at.text_area[0].input("policy\n\nsafety\n")
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == ["Settings saved."]
    saved = settings.load(demo_store)
    assert (saved.anonymity_k, saved.ack_sla_days, saved.categories) == (7, 10, ("policy", "safety"))


def test_admin_changes_a_persons_role_through_the_form(demo_store, known):
    at = signed_in(demo_store, known["admin"], "admin_people")
    by_label(at.selectbox, "Person to change").select("manager@demo.board").run()
    by_label(at.selectbox, "Role").select("leader")
    by_label(at.form_submit_button, "Save role and status").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == ["Saved. The change applies on the person's next click."]
    assert people.get_person(demo_store, known["manager"].id).role == "leader"
    table = at.dataframe[0].value
    assert table.loc[table["email"] == "manager@demo.board", "role"].tolist() == ["leader"]  # table is fresh


def test_role_choice_does_not_carry_over_to_the_next_person(demo_store, known):
    """Regression: the Role widget kept the last choice when another person with the same role was picked."""
    at = signed_in(demo_store, known["admin"], "admin_people")
    by_label(at.selectbox, "Person to change").select("staff@demo.board").run()
    by_label(at.selectbox, "Role").select("leader")
    by_label(at.form_submit_button, "Save role and status").click().run()
    colleague = next(p for p in people.list_people(demo_store, known["manager"])
                     if p["role"] == "staff" and p["email"] != "staff@demo.board")
    by_label(at.selectbox, "Person to change").select(colleague["email"]).run()
    assert by_label(at.selectbox, "Role").value == "staff"
    by_label(at.checkbox, "Active (can sign in)").uncheck()
    by_label(at.form_submit_button, "Save role and status").click().run()
    after = people.get_person(demo_store, colleague["id"])
    assert (after.role, after.active) == ("staff", False)


def test_only_active_admin_cannot_be_demoted(demo_store, known):
    at = signed_in(demo_store, known["admin"], "admin_people")
    by_label(at.text_input, "Find a person (name or email)").input("admin@demo.board").run()
    by_label(at.selectbox, "Role").select("staff")
    by_label(at.form_submit_button, "Save role and status").click().run()
    assert not at.exception
    assert errors(at) == ["This is the last active admin: make someone else admin first."]
    assert people.get_person(demo_store, known["admin"].id).role == "admin"


def test_admin_password_mismatch_shows_error_and_keeps_old_password(demo_store, known):
    at = signed_in(demo_store, known["admin"], "admin_people")
    by_label(at.selectbox, "Person to change").select("staff@demo.board").run()
    by_label(at.text_input, "New password").input("a-long-new-password")
    by_label(at.text_input, "Repeat the new password").input("another-long-password")
    by_label(at.form_submit_button, "Set password").click().run()
    assert errors(at) == ["The two passwords differ."]
    assert accounts.sign_in(demo_store, "staff@demo.board", demo.PASSWORD).id == known["staff"].id


BAD_ROSTER = (
    "email,name,role,region,office,team,manages\n"
    "new.person@example.com,New Person,staff,Europe,Dublin,Billing,\n"
    "not-an-email,Bad Row,boss,Europe,Dublin,Billing,\n"
    "other@example.com,Other,staff,Europe,Dublin,Nowhere,\n"
).encode()


def test_roster_import_bad_csv_lists_problems_by_row_and_writes_nothing(demo_store, known):
    before = people_count(demo_store)
    at = signed_in(demo_store, known["admin"], "admin_roster")
    at.file_uploader(key="roster_file").upload("roster.csv", BAD_ROSTER, "text/csv")
    at.run()
    assert not at.exception
    assert errors(at) == ["The file has 2 problem(s); nothing was imported."]
    table = at.dataframe[0].value
    assert list(table["where"]) == ["row 3", "row 4"]
    assert "'not-an-email' is not an email address" in table["problem"][0]
    assert "unknown team 'Nowhere'" in table["problem"][1]
    assert not [b for b in at.button if b.label == "Import this roster"]
    assert people_count(demo_store) == before
    assert people.find_by_email(demo_store, "new.person@example.com") is None


def test_roster_import_clean_csv_previews_then_imports_on_confirm(demo_store, known):
    good = b"email,name,role,region,office,team,manages\nnew.person@example.com,New Person,staff,Europe,Dublin,Billing,\n"
    at = signed_in(demo_store, known["admin"], "admin_roster")
    at.file_uploader(key="roster_file").upload("roster.csv", good, "text/csv")
    at.run()
    assert not at.exception and not errors(at)
    assert people.find_by_email(demo_store, "new.person@example.com") is None  # preview writes nothing
    by_label(at.button, "Import this roster").click().run()
    assert not at.exception
    assert [s.value for s in at.success][0].startswith("Imported: 1 new")
    assert people.find_by_email(demo_store, "new.person@example.com").role == "staff"


def _roster_line(person, role: str, manages: str = "") -> str:
    return f"{person.email},{person.name},{role},{person.region},{person.office},{person.team},{manages}\n"


def test_roster_import_changes_the_role_of_someone_with_history(demo_store, known):
    staff = known["staff"]
    with demo_store.read() as con:
        assert con.scalar("SELECT count(*) FROM suggestions WHERE author_id = ?", (staff.id,))
    data = ("email,name,role,region,office,team,manages\n" + _roster_line(staff, "manager", staff.team)).encode()
    at = signed_in(demo_store, known["admin"], "admin_roster")
    at.file_uploader(key="roster_file").upload("roster.csv", data, "text/csv")
    at.run()
    assert not at.exception and not errors(at)
    assert list(at.dataframe[0].value["changes"]) == ["role staff -> manager"]
    by_label(at.button, "Import this roster").click().run()
    assert not at.exception and not errors(at)
    assert at.success[0].value.startswith("Imported: 0 new, 1 changed")
    now = people.find_by_email(demo_store, staff.email)
    assert (now.id, now.role, now.team_id) == (staff.id, "manager", staff.team_id)


def test_roster_import_deactivating_most_people_waits_for_confirmation(demo_store, known):
    before = people.counts(demo_store)["active_people"]
    data = ("email,name,role,region,office,team,manages\n" + _roster_line(known["admin"], "admin")).encode()
    at = signed_in(demo_store, known["admin"], "admin_roster")
    by_label(at.checkbox, "Deactivate active people who are not in the file").check()
    at.file_uploader(key="roster_file").upload("roster.csv", data, "text/csv")
    at.run()
    assert not at.exception
    [warning] = [w.value for w in at.warning]
    assert warning.startswith(f"This import would deactivate {before - 1} of the {before} active people (")
    assert by_label(at.button, "Import this roster").disabled
    assert people.counts(demo_store)["active_people"] == before  # nothing written
    by_label(at.checkbox, f"Yes, deactivate these {before - 1} people").check().run()
    by_label(at.button, "Import this roster").click().run()
    assert not at.exception and not errors(at)
    assert people.counts(demo_store)["active_people"] == 1


# --- 6: the people page shows only the viewer's scope --------------------------------

def test_manager_sees_only_their_own_team(demo_store, known):
    manager = known["manager"]
    at = signed_in(demo_store, manager, "people")
    table = at.dataframe[0].value
    assert len(table) > 1
    assert set(zip(table["team"], table["office"])) == {(manager.team, manager.office)}
    assert "staff@demo.board" in set(table["email"])


def test_regional_manager_sees_only_their_region(demo_store, known):
    regional = known["regional_manager"]
    at = signed_in(demo_store, regional, "people")
    table = at.dataframe[0].value
    assert set(table["region"]) == {regional.region}
    assert len(set(table["office"])) > 1
    assert len(table) == len(people.list_people(demo_store, regional))


def test_leader_sees_every_region(demo_store, known):
    at = signed_in(demo_store, known["leader"], "people")
    assert set(at.dataframe[0].value["region"]) == set(demo.REGIONS)


# --- 7: throttled sign-in, My account ---------------------------------------------------

def test_after_the_wait_the_right_password_passes_the_sign_in_form(demo_store, known, monkeypatch):
    start = datetime(2026, 11, 2, 9, 0, 0)
    monkeypatch.setattr(accounts, "utcnow", lambda: start)
    at = signed_out()
    for _ in range(accounts.MAX_FAILURES):
        at = sign_in_with(at, "staff@demo.board", "wrong")
    at = sign_in_with(at, "staff@demo.board", demo.PASSWORD)
    assert errors(at) == ["Too many failed attempts for this email. Try again in 1 minute."]
    assert reports.admin_attention(demo_store, known["admin"], now=start)["locked"] == ["staff@demo.board"]
    monkeypatch.setattr(accounts, "utcnow", lambda: start + throttle.FIRST_WAIT)
    at = sign_in_with(at, "staff@demo.board", demo.PASSWORD)
    assert not at.exception and not errors(at)
    assert reports.admin_attention(demo_store, known["admin"], now=start)["locked"] == []  # signed in: forgotten


def change_password(at: AppTest, current: str, new: str, again: str) -> AppTest:
    by_label(at.text_input, "Current password").input(current)
    by_label(at.text_input, f"New password (at least {accounts.MIN_PASSWORD} characters)").input(new)
    by_label(at.text_input, "Repeat the new password").input(again)
    return by_label(at.form_submit_button, "Change password").click().run()


def test_my_account_changes_the_password_with_the_current_one_and_keeps_this_session(demo_store, known):
    staff = known["staff"]
    elsewhere = accounts.start_session(demo_store, staff.id)
    at = signed_in(demo_store, staff, "account")
    assert titles(at) == ["My account"] and not errors(at)
    for current, new, again, message in [
        ("a wrong guess", "a brand new passphrase", "a brand new passphrase", "That is not your current password."),
        (demo.PASSWORD, "short", "short", f"Use at least {accounts.MIN_PASSWORD} characters."),
        (demo.PASSWORD, "a brand new passphrase", "another passphrase", "The two new passwords differ."),
    ]:
        assert errors(change_password(at, current, new, again)) == [message]
    change_password(at, demo.PASSWORD, "a brand new passphrase", "a brand new passphrase")
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == [
        "Password changed. Your other sessions have ended; this one stays signed in."]
    assert titles(at) == ["My account"]
    assert accounts.resume_session(demo_store, at.session_state["session_token"]) == staff
    assert accounts.resume_session(demo_store, elsewhere) is None
    assert accounts.sign_in(demo_store, "staff@demo.board", "a brand new passphrase") == staff


def test_my_account_with_company_sign_in_shows_no_password_form(demo_db_path):
    at = oidc_app({"is_logged_in": True, "email": "staff@demo.board", "email_verified": True})
    at.switch_page(page_file("account")).run()
    assert not at.exception and titles(at) == ["My account"]
    assert not at.text_input and "managed by the company" in at.info[0].value


def test_an_admin_is_sent_to_my_account_for_their_own_password(demo_store, known):
    at = signed_in(demo_store, known["admin"], "admin_people")
    by_label(at.selectbox, "Person to change").select("admin@demo.board").run()
    by_label(at.text_input, "New password").input("an admin's new passphrase")
    by_label(at.text_input, "Repeat the new password").input("an admin's new passphrase")
    by_label(at.form_submit_button, "Set password").click().run()
    assert errors(at) == ["Change your own password under My account: it asks for the current one."]
    assert accounts.sign_in(demo_store, "admin@demo.board", demo.PASSWORD) == known["admin"]
