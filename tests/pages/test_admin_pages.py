"""The admin pages through the app (AppTest): settings (field errors, saving), accounts and roles (role and status
changes, the last admin, password resets), and the roster import (problems by row, preview then import, role
changes of people with history, confirming mass deactivation); office calendars (working week and zone, holiday
files by row, preview then import)."""

from __future__ import annotations

from datetime import date

import pytest

from board import demo, i18n
from board.errors import Invalid, NotAllowed
from board.i18n import _
from board.org import accounts, calendar, people, settings
from tests.support.pages import by_label, errors, frame, open_page, page_file


def people_count(store) -> int:
    counts = people.counts(store)
    return counts["active_people"] + counts["inactive_people"]


# --- settings ------------------------------------------------------------------------------

def test_settings_k_below_minimum_shows_field_error_and_saves_nothing(demo_store, known):
    before = settings.load(demo_store)
    at = open_page(demo_store, known["admin"], "admin_settings")
    by_label(at.number_input, "Minimum group size for anonymous results (k)").set_value(2)
    by_label(at.number_input, "Acknowledgement time (working days)").set_value(9)
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not at.exception
    assert errors(at) == [f"Minimum group size must be a whole number from {settings.MIN_K} to 50."]
    assert not at.success
    assert settings.load(demo_store) == before


def test_settings_error_is_forgotten_after_leaving_the_page(demo_store, known):
    """Regression: coming back showed the saved k under an error about the rejected k."""
    at = open_page(demo_store, known["admin"], "admin_settings")
    by_label(at.number_input, "Minimum group size for anonymous results (k)").set_value(2)
    by_label(at.form_submit_button, "Save settings").click().run()
    assert errors(at)
    at.switch_page(page_file("home")).run()
    at.switch_page(page_file("admin_settings")).run()
    assert by_label(at.number_input, "Minimum group size for anonymous results (k)").value == 5
    assert not errors(at)


def test_settings_valid_values_are_saved(demo_store, known):
    at = open_page(demo_store, known["admin"], "admin_settings")
    by_label(at.number_input, "Minimum group size for anonymous results (k)").set_value(7)
    by_label(at.number_input, "Acknowledgement time (working days)").set_value(10)
    at.text_area[0].input("policy\n\nsafety\n")
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == ["Settings saved."]
    saved = settings.load(demo_store)
    assert (saved.anonymity_k, saved.ack_sla_days, saved.categories) == (7, 10, ("policy", "safety"))


# --- accounts and roles ---------------------------------------------------------------------

def test_admin_changes_a_persons_role_through_the_form(demo_store, known):
    at = open_page(demo_store, known["admin"], "admin_people")
    by_label(at.selectbox, "Person to change").select("manager@demo.board").run()
    by_label(at.selectbox, "Role").select("leader")
    by_label(at.form_submit_button, "Save role and status").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == ["Saved. The change applies on the person's next click."]
    assert people.get_person(demo_store, known["manager"].id).role == "leader"
    table = frame(at.dataframe[0])
    assert table.loc[table["email"] == "manager@demo.board", "role"].tolist() == ["Leader"]  # table is fresh


def test_role_choice_does_not_carry_over_to_the_next_person(demo_store, known):
    """Regression: the Role widget kept the last choice when another person with the same role was picked."""
    at = open_page(demo_store, known["admin"], "admin_people")
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
    at = open_page(demo_store, known["admin"], "admin_people")
    by_label(at.text_input, "Find a person (name or email)").input("admin@demo.board").run()
    by_label(at.selectbox, "Role").select("staff")
    by_label(at.form_submit_button, "Save role and status").click().run()
    assert not at.exception
    assert errors(at) == ["This is the last active admin: make someone else admin first."]
    assert people.get_person(demo_store, known["admin"].id).role == "admin"


def test_admin_password_mismatch_shows_error_and_keeps_old_password(demo_store, known):
    at = open_page(demo_store, known["admin"], "admin_people")
    by_label(at.selectbox, "Person to change").select("staff@demo.board").run()
    by_label(at.text_input, "New password").input("a-long-new-password")
    by_label(at.text_input, "Repeat the new password").input("another-long-password")
    by_label(at.form_submit_button, "Set password").click().run()
    assert errors(at) == ["The two passwords differ."]
    assert accounts.sign_in(demo_store, "staff@demo.board", demo.PASSWORD).id == known["staff"].id


def test_an_admin_is_sent_to_my_account_for_their_own_password(demo_store, known):
    at = open_page(demo_store, known["admin"], "admin_people")
    by_label(at.selectbox, "Person to change").select("admin@demo.board").run()
    by_label(at.text_input, "New password").input("an admin's new passphrase")
    by_label(at.text_input, "Repeat the new password").input("an admin's new passphrase")
    by_label(at.form_submit_button, "Set password").click().run()
    assert errors(at) == ["Change your own password under My account: it asks for the current one."]
    assert accounts.sign_in(demo_store, "admin@demo.board", demo.PASSWORD) == known["admin"]


# --- roster import --------------------------------------------------------------------------

BAD_ROSTER = (
    b"email,name,role,region,office,team,manages\n"
    b"new.person@example.com,New Person,staff,Europe,Dublin,Billing,\n"
    b"not-an-email,Bad Row,boss,Europe,Dublin,Billing,\n"
    b"other@example.com,Other,staff,Europe,Dublin,Nowhere,\n"
)


def test_roster_import_bad_csv_lists_problems_by_row_and_writes_nothing(demo_store, known):
    before = people_count(demo_store)
    at = open_page(demo_store, known["admin"], "admin_roster")
    at.file_uploader(key="roster_file").upload("roster.csv", BAD_ROSTER, "text/csv")
    at.run()
    assert not at.exception
    assert errors(at) == ["The file has 2 problem(s); nothing was imported."]
    table = frame(at.dataframe[0])
    assert list(table["where"]) == ["row 3", "row 4"]
    assert "'not-an-email' is not an email address" in table["problem"][0]
    assert "unknown team 'Nowhere'" in table["problem"][1]
    assert not [b for b in at.button if b.label == "Import this roster"]
    assert people_count(demo_store) == before
    assert people.find_by_email(demo_store, "new.person@example.com") is None


def test_roster_import_clean_csv_previews_then_imports_on_confirm(demo_store, known):
    good = (b"email,name,role,region,office,team,manages\n"
            b"new.person@example.com,New Person,staff,Europe,Dublin,Billing,\n")
    at = open_page(demo_store, known["admin"], "admin_roster")
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
    at = open_page(demo_store, known["admin"], "admin_roster")
    at.file_uploader(key="roster_file").upload("roster.csv", data, "text/csv")
    at.run()
    assert not at.exception and not errors(at)
    assert list(frame(at.dataframe[0])["changes"]) == ["role staff -> manager"]
    by_label(at.button, "Import this roster").click().run()
    assert not at.exception and not errors(at)
    assert at.success[0].value.startswith("Imported: 0 new, 1 changed")
    now = people.find_by_email(demo_store, staff.email)
    assert (now.id, now.role, now.team_id) == (staff.id, "manager", staff.team_id)


def test_roster_import_deactivating_most_people_waits_for_confirmation(demo_store, known):
    before = people.counts(demo_store)["active_people"]
    data = ("email,name,role,region,office,team,manages\n" + _roster_line(known["admin"], "admin")).encode()
    at = open_page(demo_store, known["admin"], "admin_roster")
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


# --- office calendars -------------------------------------------------------------------------------------------

def _choose_office(at, name: str):
    box = by_label(at.selectbox, "Office whose calendar to set")
    box.select(next(o for o in box.options if o.startswith(name))).run()
    return at


def test_an_admin_sets_an_offices_working_week_and_zone(demo_store, known):
    at = _choose_office(open_page(demo_store, known["admin"], "admin_settings"), "Warsaw")
    assert not at.exception
    by_label(at.multiselect, "Working days").set_value([6, 0, 1, 2, 3])
    by_label(at.selectbox, "Time zone").select("Asia/Dubai")
    by_label(at.form_submit_button, "Save this office's calendar").click().run()
    assert not at.exception and not errors(at)
    assert "Saved the calendar of Warsaw." in [s.value for s in at.success]
    warsaw = next(o for o in calendar.offices(demo_store, known["admin"]) if o["name"] == "Warsaw")
    assert (warsaw["time_zone"], warsaw["working_days"]) == ("Asia/Dubai", [0, 1, 2, 3, 6])


def test_an_office_without_working_days_is_refused_and_nothing_changes(demo_store, known):
    before = calendar.offices(demo_store, known["admin"])
    at = _choose_office(open_page(demo_store, known["admin"], "admin_settings"), "Warsaw")
    by_label(at.multiselect, "Working days").set_value([])
    by_label(at.form_submit_button, "Save this office's calendar").click().run()
    assert not at.exception
    assert "Choose at least one working day of the week." in errors(at)
    assert calendar.offices(demo_store, known["admin"]) == before


def test_a_holiday_file_shows_its_errors_by_row_then_a_clean_one_previews_and_imports(demo_store, known):
    at = open_page(demo_store, known["admin"], "admin_settings")
    assert "Warsaw" in set(frame(at.dataframe[-1])["office"])  # the coming year's holidays
    at.file_uploader(key="holidays_file").upload("holidays.csv", b"office,date,name\nAtlantis,2027-01-01,X\n",
                                                 "text/csv")
    at.run()
    assert not at.exception
    assert errors(at) == ["The file has 1 problem(s); nothing was imported."]
    assert list(frame(at.dataframe[0])["where"]) == ["row 2"]
    assert not [b for b in at.button if b.label == "Import these holidays"]
    at.file_uploader(key="holidays_file").upload("holidays.csv", b"office,date,name\nWarsaw,2027-12-31,Sylwester\n",
                                                 "text/csv")
    at.run()
    assert not at.exception and not errors(at)
    assert not any(date(2027, 12, 31) in c.holidays for c in calendar.load(demo_store).offices.values())
    by_label(at.button, "Import these holidays").click().run()
    assert not at.exception
    assert any(s.value.startswith("Imported: 1 added") for s in at.success)
    warsaw = next(o["id"] for o in calendar.offices(demo_store, known["admin"]) if o["name"] == "Warsaw")
    assert date(2027, 12, 31) in calendar.load(demo_store).of(warsaw).holidays


# --- languages ----------------------------------------------------------------------------------------------------

def test_the_admin_sets_the_default_language_and_names_a_category_per_language(org_store, known):
    """Nobody in AppTest has a browser language: the organisation's default decides, for the admin too."""
    at = open_page(org_store, known["admin"], "admin_settings")
    by_label(at.selectbox, "Default language").select("es")
    at.text_input(key="category_name_es_system").input("Sistemas")
    at.text_input(key="category_name_pl_system").input("Systemy")
    next(b for b in at.button if b.label == "Save languages").click().run()
    assert not at.exception and not errors(at)
    saved = settings.load(org_store)
    assert saved.default_locale == "es"
    assert saved.category_names == {**demo.CATEGORY_NAMES, "system": {"es": "Sistemas", "pl": "Systemy"}}
    with i18n.using("es"):
        assert _("Languages saved.") in [s.value for s in at.success]  # the page already speaks Spanish
        wanted_title = _("Raise a suggestion")

    at = open_page(org_store, known["staff"], "raise")
    assert [t.value for t in at.title] == [wanted_title]
    category = at.selectbox(key="raise_category")
    assert "Sistemas" in category.options and "política" in category.options  # each by its Spanish name
    people.set_locale(org_store, known["staff"], "pl")  # their own choice beats the organisation's
    at = open_page(org_store, known["staff"], "raise")
    assert "Systemy" in at.selectbox(key="raise_category").options


def test_a_language_or_category_name_that_cannot_be_saved_changes_nothing(org_store, known):
    admin = known["admin"]
    with pytest.raises(Invalid) as refused:
        settings.save_languages(org_store, admin, default_locale="fr", category_names={})
    assert set(refused.value.errors) == {"default_locale"}
    with pytest.raises(Invalid) as refused:
        settings.save_languages(org_store, admin, default_locale="es", category_names={"no such": {"es": "Nada"}})
    assert set(refused.value.errors) == {"category_names"}
    with pytest.raises(NotAllowed):
        settings.save_languages(org_store, known["manager"], default_locale="es", category_names={})
    assert settings.load(org_store).default_locale == "en"
    assert settings.load(org_store).category_names == demo.CATEGORY_NAMES  # the demo's, as they were
