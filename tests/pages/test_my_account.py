"""My account through the app (AppTest): changing one's own password needs the current one and keeps this session
while ending the others; with company sign-in there is no password to change."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from board import demo, i18n
from board.org import accounts, people
from tests.support.pages import DEMO_ZONE, by_label, errors, oidc_app, open_page, page_file, titles


def change_password(at: AppTest, current: str, new: str, again: str) -> AppTest:
    by_label(at.text_input, "Current password").input(current)
    by_label(at.text_input, f"New password (at least {accounts.MIN_PASSWORD} characters)").input(new)
    by_label(at.text_input, "Repeat the new password").input(again)
    return by_label(at.form_submit_button, "Change password").click().run()


@pytest.mark.slow
def test_my_account_changes_the_password_with_the_current_one_and_keeps_this_session(demo_store, known):
    staff = known["staff"]
    elsewhere = accounts.start_session(demo_store, staff.id)
    at = open_page(demo_store, staff, "account")
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


def test_my_account_saves_the_language_chosen_and_draws_the_page_in_it(org_store, known):
    staff = known["staff"]
    at = open_page(org_store, staff, "account")
    choice = at.selectbox(key="account__language_browser")
    assert choice.value == "" and choice.options == ["Your browser's language", "English", "Español", "Polski"]
    with i18n.using("en", DEMO_ZONE):  # the staff member's office's zone, in words
        zone = i18n.zone_description()
    assert zone == "Malaysia (Kuala Lumpur) Time"
    assert f"Times are shown in {zone}." in [c.value for c in at.caption]
    choice.select("es").run()
    assert not at.exception and not errors(at)
    assert people.find_by_email(org_store, staff.email).locale == "es"
    assert accounts.resume_session(org_store, at.session_state["session_token"]).locale == "es"
    with i18n.using("es"):
        assert titles(at) == [i18n._("My account")]
        assert [s.value for s in at.success] == [i18n._("Language saved.")]
    assert at.selectbox(key="account__language_es").value == "es"

    # A tester's pseudo-locale (set elsewhere) shows the page in it, and stays on the list while it is theirs.
    people.set_locale(org_store, staff, "en_XA")
    at = open_page(org_store, staff, "account")
    assert titles(at) == [i18n.pseudo("My account")]
    choice = at.selectbox(key="account__language_en_XA")
    assert choice.value == "en_XA" and choice.options[-1] == "Pseudo-English (translation check)"
    with i18n.using("en_XA"):  # AppTest formats the page's options again here, in this thread's language
        choice.select("").run()  # back to the browser's language (AppTest's: English)
    assert people.find_by_email(org_store, staff.email).locale is None
    assert titles(at) == ["My account"] and [s.value for s in at.success] == ["Language saved."]
