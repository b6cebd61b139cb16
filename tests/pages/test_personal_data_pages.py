"""Personal data through the app (AppTest): a person prepares a copy of their data under My account; an admin
prepares anyone's (audited) and erases a person who has left, only after confirming; the retention settings are
saved from Settings."""

from __future__ import annotations

import io
import json
import zipfile

from board.org import audit, people, personal_data, settings
from tests.support.pages import by_label, errors, open_page, texts

DOWNLOADS = ["Download as JSON", "Download as CSV files (zip)"]
ERASE, CONFIRM, CANCEL = "Erase this person's personal data", "Yes, erase for good", "Cancel"


def labels(widgets) -> list[str]:
    return [w.label for w in widgets]


def colleague(store, known) -> dict:
    """An active staff member of the demo who is none of the known people."""
    known_ids = {p.id for p in known.values()}
    return next(p for p in people.list_people(store, known["admin"])
                if p["role"] == "staff" and p["id"] not in known_ids)


def test_my_account_prepares_a_copy_of_my_data_to_download(demo_store, known):
    staff, admin = known["staff"], known["admin"]
    before = audit.recent(demo_store, admin, 1)
    at = open_page(demo_store, staff, "account")
    assert labels(at.download_button) == []
    by_label(at.button, "Prepare a copy of my data").click().run()
    assert not at.exception and not errors(at)
    assert labels(at.download_button) == DOWNLOADS
    copy = at.session_state[f"account__export_{staff.id}"]
    assert json.loads(copy["json"])["Account"][0]["Email"] == staff.email
    with zipfile.ZipFile(io.BytesIO(copy["zip"])) as archive:
        assert "account.csv" in archive.namelist() and staff.email in archive.read("account.csv").decode()
    assert audit.recent(demo_store, admin, 1) == before


def test_an_admin_prepares_a_copy_of_someones_data_and_it_is_audited(demo_store, known):
    staff, admin = known["staff"], known["admin"]
    at = open_page(demo_store, admin, "admin_people")
    by_label(at.selectbox, "Person to change").select(staff.email).run()
    assert labels(at.download_button) == []
    by_label(at.button, "Prepare a copy of their data").click().run()
    assert not at.exception and labels(at.download_button) == DOWNLOADS
    assert json.loads(at.session_state[f"admin_people__export_{staff.id}"]["json"])["Account"][0]["Email"] == \
        staff.email
    entry = audit.recent(demo_store, admin, 1)[0]
    assert (entry["action"], entry["actor"], entry["detail"]) == ("personal data exported", "Adam Admin", staff.email)


def test_an_active_person_cannot_be_erased_from_the_page(demo_store, known):
    leaver = colleague(demo_store, known)
    at = open_page(demo_store, known["admin"], "admin_people")
    by_label(at.selectbox, "Person to change").select(leaver["email"]).run()
    assert ERASE not in labels(at.button)
    assert "Erasing is for people who have left: untick Active and save first, then erase." in texts(at)


def test_the_admin_erases_a_leaver_only_after_confirming(demo_store, known):
    admin, leaver = known["admin"], colleague(demo_store, known)
    at = open_page(demo_store, admin, "admin_people")
    by_label(at.selectbox, "Person to change").select(leaver["email"]).run()
    by_label(at.checkbox, "Active (can sign in)").uncheck()
    by_label(at.form_submit_button, "Save role and status").click().run()
    assert not people.get_person(demo_store, leaver["id"]).active
    by_label(at.button, ERASE).click().run()
    assert not at.exception and {CONFIRM, CANCEL} <= set(labels(at.button)) and ERASE not in labels(at.button)
    assert [w.value for w in at.warning][0].startswith("Erasing cannot be undone.")
    assert f"Erase {leaver['name']} ({leaver['email']})?" in texts(at)
    assert people.get_person(demo_store, leaver["id"]).name == leaver["name"]  # nothing erased before confirming
    by_label(at.button, CANCEL).click().run()
    assert CONFIRM not in labels(at.button) and ERASE in labels(at.button)
    by_label(at.button, ERASE).click().run()
    by_label(at.button, CONFIRM).click().run()
    assert not at.exception and not errors(at)
    pseudonym, _ = personal_data.pseudonym(leaver["id"])
    assert [s.value for s in at.success] == [f"Erased. The person is now {pseudonym} everywhere."]
    assert people.get_person(demo_store, leaver["id"]).name == pseudonym
    assert leaver["email"] not in by_label(at.selectbox, "Person to change").options
    entry = audit.recent(demo_store, admin, 1)[0]
    assert entry["action"] == "personal data erased" and leaver["name"] not in entry["detail"]


def test_the_retention_settings_are_saved_from_the_settings_page(demo_store, known):
    at = open_page(demo_store, known["admin"], "admin_settings")
    field = by_label(at.number_input, "Audit log entries are kept (days)")
    assert field.value == 730
    field.set_value(365)
    by_label(at.number_input, "Ended sign-in sessions are kept (days)").set_value(14)
    by_label(at.form_submit_button, "Save settings").click().run()
    assert not at.exception and not errors(at)
    saved = settings.load(demo_store)
    assert (saved.audit_kept_days, saved.sessions_kept_days, saved.outbox_kept_days) == (365, 14, 90)
    assert by_label(at.number_input, "Audit log entries are kept (days)").value == 365
