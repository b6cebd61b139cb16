"""The admin pages through the app (AppTest): settings (field errors, saving), accounts and roles (role and status
changes, the last admin, password resets), and the roster import (problems by row, preview then import, role
changes of people with history, confirming mass deactivation)."""

from __future__ import annotations

from board import demo
from board.org import accounts, people, settings
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
