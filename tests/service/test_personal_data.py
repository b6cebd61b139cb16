"""Personal data (board.org.personal_data), on both backends: a person's copy holds every kind of row stored about
them and nothing of anyone else or anything anonymous; only they or an admin (audited) may make it; erasing a
person who has left leaves nothing of them in any column of any table nor in a fresh backup, while every figure
stays true; an active person is refused."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from PIL import Image

from board import store as db
from board.errors import Invalid, NotAllowed
from board.feedback import attachments, triage
from board.feedback import suggestions as sg
from board.meetings import actions, minutes
from board.morale import pulse
from board.notify import events, preferences, worker
from board.notify.config import NotifyConfig
from board.org import accounts, audit, people, personal_data
from board.org.accounts import SignInRefused, utcnow
from board.reporting.export import neutralise
from board.store import backup
from tests.support import minutes as mn
from tests.support.suggestions import submit, submit_released

NAME, EMAIL = "Quentin Erasmus-Vale", "quentin.erasmus-vale@leaver.example"
# What nothing may hold after the erasure: the name, the address, and what is distinctive in them.
TRACES = (NAME, EMAIL, "erasmus", "quentin")
PASSWORD = "the leaver's long passphrase"
NEW_PASSWORD = "the leaver's newer passphrase"
COLLEAGUE_TEXT = "COLLEAGUE-ONLY-7741"  # in a colleague's own suggestion: never in the leaver's copy
ANONYMOUS_TEXT = "ANONYMOUS-ONLY-3390"  # in the leaver's anonymous suggestion and reply: never in their copy
PULSE_TEXT = "PULSE-ONLY-5120"


@pytest.fixture(autouse=True)
def notify_secret(monkeypatch):
    monkeypatch.setenv("BOARD_NOTIFY_SECRET", "tests-only-notify-secret-0123456789abcdef")


@dataclass
class Seeded:
    leaver: people.Person
    own: int  # the leaver's named suggestion
    colleagues: int  # a colleague's suggestion the leaver triaged, commented on and +1'd
    meeting: int
    secrets: tuple[str, ...]  # the password hash, session and sign-in code hashes: gone after the erasure
    voter: str


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 120, 30)).save(out, "PNG")
    return out.getvalue()


def add_person(store, team_id: int, *, name=NAME, email=EMAIL, role="manager") -> people.Person:
    def add(con):
        person_id = con.scalar("INSERT INTO people (email, name, role, team_id) VALUES (?, ?, ?, ?) RETURNING id",
                               (email, name, role, team_id))
        con.execute("INSERT INTO team_members (person_id, team_id) VALUES (?, ?)", (person_id, team_id))
        return person_id

    found = people.get_person(store, store.write(add))
    assert found is not None
    return found


def seed(store, known) -> Seeded:
    """A manager who leaves, with a row in every table that references people, made through the services where
    the app makes such rows (so stored texts are the app's own), directly where only another role could."""
    staff, manager, admin = known["staff"], known["manager"], known["admin"]
    leaver = add_person(store, staff.team_id)
    accounts.set_password(store, leaver.id, PASSWORD)
    accounts.change_own_password(store, leaver, PASSWORD, NEW_PASSWORD)  # an audit entry by them
    people.set_locale(store, leaver, "pl")  # their own choice of language
    token = accounts.start_session(store, leaver.id)
    code = accounts.start_handoff(store, leaver.id)
    with pytest.raises(SignInRefused):
        accounts.sign_in(store, EMAIL, "a wrong guess")  # a throttle row and an audit entry naming the address
    colleagues = submit(store, staff, key="colleague", description=f"Printer queue stalls {COLLEAGUE_TEXT}").id
    triage.act(store, leaver, colleagues, to="acknowledged", reply="Looking into it.", owner_id=leaver.id,
               today=utcnow().date())
    sg.comment(store, leaver, colleagues, "=1+1 looks like a formula")
    sg.vote(store, leaver, colleagues)
    own = submit(store, leaver, key="own", title="Queue lights for the floor",
                 description="Lights that show the queue length.").id
    triage.reply(store, manager, own, "Good idea, let us try it.")  # to their inbox
    attachments.attach_to_suggestion(store, leaver, own, [attachments.Upload("queue.png", png())])
    submit_released(store, leaver, key="anonymous", title=f"Anonymous {ANONYMOUS_TEXT}",
                    description=f"Unsigned {ANONYMOUS_TEXT}", replies=(f"Reply {ANONYMOUS_TEXT}",))
    events.fan_out(store)
    worker.deliver_due(store, NotifyConfig(), now=utcnow())  # no mail server: kept locally, as sent rows are
    triage.reply(store, manager, own, "One more thought.")
    events.fan_out(store)  # ... and one still waiting
    preferences.save(store, leaver, {"status": "daily"})
    meeting = mn.draft(store, leaver)
    mn.publish(store, leaver, meeting, mn.document(leaver, mn.item(acts=[mn.action(leaver)], links=[colleagues]),
                                                    attendees=[leaver, staff]))
    attended = mn.draft(store, manager)
    mn.publish(store, manager, attended, mn.document(manager, attendees=[leaver]))
    minutes.save_draft(store, leaver, mn.draft(store, leaver), mn.document(leaver, mn.item(discussed="Draft item")))
    with store.read() as con:
        action = con.scalar("SELECT id FROM action_items WHERE owner_id = ?", (leaver.id,))
    actions.close(store, leaver, action, "done")
    pulse.submit(store, leaver, pulse.Answer(4, 8, 4, 3, 4, 2, 5, PULSE_TEXT), today=utcnow().date(), length_days=14)

    def only_another_role_could(con):
        period = con.scalar("SELECT max(id) FROM pulse_periods")
        con.execute("INSERT INTO meeting_reviews (meeting_id, reviewer_id, verdict, comment, created_at)"
                    " VALUES (?, ?, 'reviewed', 'Clear minutes.', ?)", (attended, leaver.id, utcnow()))
        con.execute("INSERT INTO pulse_participation (period_id, person_id) VALUES (?, ?)", (period + 100, leaver.id))
        con.execute("INSERT INTO outbox (key, person_id, kind, subject, body, created_at, mode, next_at)"
                    " VALUES (?, ?, 'pulse_reminder', 'Your pulse', 'Please answer.', ?, 'now', ?)",
                    (f"p{leaver.id}:pulse:x", leaver.id, utcnow(), utcnow()))
        return period

    period = store.write(only_another_role_could)
    personal_data.export(store, admin, leaver.id)  # an audit entry naming them
    with store.read() as con:
        secrets = (con.scalar("SELECT password_hash FROM accounts WHERE person_id = ?", (leaver.id,)),
                   *(r["token_hash"] for r in con.rows("SELECT token_hash FROM sessions WHERE person_id = ?",
                                                       (leaver.id,))),
                   con.scalar("SELECT code_hash FROM session_handoffs WHERE person_id = ?", (leaver.id,)))
    assert accounts._token_hash(token) in secrets and accounts._token_hash(code) in secrets
    return Seeded(leaver, own, colleagues, meeting, secrets, pulse.voter(pulse.voter_key(store.dialect), period,
                                                                          leaver.id))


# --- which columns name a person ------------------------------------------------------------------------------------

PERSON_NAME = re.compile(r"^(person_id|actor_id|author_id|owner_id|chair_id|reviewer_id|attendee_ids|email|voter"
                         r"|.*person.*)$")
# (table, column) -> how a row names the seeded person: by id, by address, in a list of ids, by a keyed hash.
COVERED = {
    ("people", "email"): "email", ("accounts", "person_id"): "id", ("sessions", "person_id"): "id",
    ("session_handoffs", "person_id"): "id", ("sign_in_waits", "email"): "email", ("audit_log", "actor_id"): "id",
    ("suggestions", "author_id"): "id", ("suggestions", "owner_id"): "id", ("suggestion_events", "actor_id"): "id",
    ("votes", "person_id"): "id", ("notifications", "person_id"): "id", ("meetings", "chair_id"): "id",
    ("meetings", "attendee_ids"): "ids", ("meetings", "author_id"): "id", ("action_items", "owner_id"): "id",
    ("action_events", "actor_id"): "id", ("meeting_reviews", "reviewer_id"): "id",
    ("meeting_versions", "author_id"): "id", ("pulse_participation", "person_id"): "id",
    ("pulse_voters", "voter"): "voter", ("team_members", "person_id"): "id", ("attachments", "actor_id"): "id",
    ("outbox", "person_id"): "id", ("notification_preferences", "person_id"): "id",
}
# What the erasure deletes (everything else keeps its rows: the person's id, under the pseudonym).
FORGOTTEN = {("accounts", "person_id"), ("sessions", "person_id"), ("session_handoffs", "person_id"),
             ("sign_in_waits", "email"), ("notifications", "person_id"), ("notification_preferences", "person_id")}


def schema_columns(store) -> set[tuple[str, str]]:
    with store.read() as con:
        return {(r["table_name"], r["column_name"]) for r in con.rows(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()")}


def foreign_keys_to_people(dialect: str) -> set[tuple[str, str]]:
    """(table, column) of every column the migrations give a foreign key to people."""
    found, table = set(), None
    for _, sql in db.available_migrations(dialect=dialect):
        for line in sql.splitlines():
            if created := re.match(r"\s*CREATE TABLE (\w+)", line):
                table = created.group(1)
            elif added := re.match(r"\s*ALTER TABLE (\w+) ADD COLUMN (\w+) .*REFERENCES people\b", line):
                found.add((added.group(1), added.group(2)))
            elif table and (column := re.match(r"\s+(\w+) \w.*REFERENCES people\b", line)):
                found.add((table, column.group(1)))
    return found


def person_columns(store) -> set[tuple[str, str]]:
    """Every column that names a person: a foreign key to people in the migrations, or a person's name by its
    name, among the columns the schema has now."""
    columns = schema_columns(store)
    return ((foreign_keys_to_people(store.dialect) & columns)
            | {(t, c) for t, c in columns if PERSON_NAME.match(c) and not (t == "people" and c == "id")})


def naming(store, seeded: Seeded) -> dict[tuple[str, str], int]:
    """How many rows of each covered column name the seeded person."""
    person = seeded.leaver
    found = {}
    with store.read() as con:
        for (table, column), how in COVERED.items():
            condition, value = {"id": (f"{column} = ?", person.id), "email": (f"{column} = ?", person.email),
                                "ids": (f"? = ANY({column})", person.id),
                                "voter": (f"{column} = ?", seeded.voter)}[how]
            found[table, column] = con.scalar(f"SELECT count(*) FROM {table} WHERE {condition}", (value,))
    return found


def test_the_covered_columns_are_every_column_that_names_a_person(store):
    """A new table or column naming a person fails here until this test seeds and checks it."""
    assert person_columns(store) == set(COVERED)


def test_the_erasure_moves_every_foreign_key_to_people(store):
    assert set(personal_data.REFERENCES) == foreign_keys_to_people(store.dialect) & schema_columns(store)


# --- looking for the person everywhere ------------------------------------------------------------------------------

def every_value(store) -> dict[str, list[dict]]:
    with store.read() as con:
        tables = [r["table_name"] for r in con.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        return {table: con.rows(f'SELECT * FROM "{table}"') for table in tables}


def holding(rows_by_table: dict[str, list[dict]], needles) -> list[str]:
    """'table.column: needle' for every value (any type, bytes too) that holds a needle, ignoring case."""
    found = []
    for table, rows in rows_by_table.items():
        for row in rows:
            for column, value in row.items():
                text = (bytes(value).decode("latin-1") if isinstance(value, (bytes, bytearray, memoryview))
                        else str(value)).lower()
                found += [f"{table}.{column}: {n}" for n in needles if n.lower() in text]
    return sorted(set(found))


def counts(rows_by_table: dict[str, list[dict]]) -> dict[str, int]:
    return {table: len(rows) for table, rows in rows_by_table.items()}


# --- erasure ----------------------------------------------------------------------------------------------------

def test_erasing_a_leaver_leaves_nothing_of_them_and_every_figure_true(org_store, known, tmp_path):
    seeded = seed(org_store, known)
    leaver, admin = seeded.leaver, known["admin"]
    before = naming(org_store, seeded)
    assert all(before.values()), {k: v for k, v in before.items() if not v}  # a row in every covered column
    everything = every_value(org_store)
    assert holding(everything, TRACES)  # the scan finds them before
    with org_store.read() as con:
        waiting_to_them = con.scalar("SELECT count(*) FROM outbox WHERE person_id = ? AND state = 'pending'",
                                     (leaver.id,))
        kept_to_them = con.scalar("SELECT count(*) FROM outbox WHERE person_id = ? AND state = 'local'", (leaver.id,))
    assert waiting_to_them and kept_to_them
    people.change_person(org_store, admin, leaver.id, role="manager", active=False)
    pseudonym = personal_data.erase(org_store, admin, leaver.id)

    assert re.fullmatch(r"Former colleague [0-9A-F]{4}", pseudonym)
    after = every_value(org_store)
    assert holding(after, TRACES + seeded.secrets) == []
    assert holding(after, (ANONYMOUS_TEXT, PULSE_TEXT, COLLEAGUE_TEXT)) != []  # others' and anonymous text stays
    erased = people.get_person(org_store, leaver.id)
    assert (erased.name, erased.email, erased.active) == (
        pseudonym, f"former-colleague-{pseudonym[-4:].lower()}@erased.invalid", False)
    # What only served them is gone; what they wrote or took part in stays, under the same id: every figure holds.
    left = naming(org_store, seeded) | {("people", "email"): 1}
    assert {k for k, v in left.items() if not v} == FORGOTTEN
    assert all(left[k] == before[k] for k in set(COVERED) - FORGOTTEN - {("outbox", "person_id"),
                                                                      ("audit_log", "actor_id")})
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM outbox WHERE person_id = ?", (leaver.id,)) == kept_to_them
        assert con.scalar("SELECT author_id FROM suggestions WHERE id = ?", (seeded.own,)) == leaver.id
        assert con.scalar("SELECT to_value FROM suggestion_events WHERE suggestion_id = ? AND kind = 'assigned'",
                          (seeded.colleagues,)) == pseudonym
    gone = {"accounts", "sessions", "session_handoffs", "sign_in_waits", "notifications", "notification_preferences",
            "outbox", "audit_log"}
    assert {t: n for t, n in counts(after).items() if t not in gone} == \
        {t: n for t, n in counts(everything).items() if t not in gone}  # people too: no stand-in is left
    entry = audit.recent(org_store, admin, 1)[0]
    assert (entry["action"], entry["actor"]) == ("personal data erased", "Adam Admin")
    assert entry["detail"].startswith(pseudonym)
    if org_store.dialect == "duckdb":  # a fresh backup holds nothing of them either (PostgreSQL: pg_dump's job)
        folder = backup.backup(org_store, tmp_path / "after").path
        reader = db.open_store(tmp_path / "reader.duckdb")
        try:
            with reader.read() as con:
                files = {p.stem: con.rows("SELECT * FROM read_parquet(?)", (str(p),)) for p in folder.glob("*.parquet")}
        finally:
            db.close_store(tmp_path / "reader.duckdb")
        assert set(files) == set(after) and holding(files, TRACES + seeded.secrets) == []
        assert not [p.name for p in folder.iterdir() if any(t.encode() in p.read_bytes() for t in TRACES)]


@pytest.mark.duckdb_only("the DuckDB file's bytes")
def test_a_file_restored_from_a_fresh_backup_holds_not_a_byte_of_them(org_store, known, tmp_path):
    """The README's way to a clean file: the live file may keep erased values in its free space until DuckDB
    reuses it; a backup made after the erasure, restored into a new file, has none."""
    seeded = seed(org_store, known)
    people.change_person(org_store, known["admin"], seeded.leaver.id, role="manager", active=False)
    personal_data.erase(org_store, known["admin"], seeded.leaver.id)
    folder = backup.backup(org_store, tmp_path / "after").path
    restored = tmp_path / "restored.duckdb"
    backup.restore(folder, restored)
    raw = restored.read_bytes() + (restored.with_name("restored.duckdb.wal").read_bytes()
                                   if restored.with_name("restored.duckdb.wal").exists() else b"")
    assert COLLEAGUE_TEXT.encode() in raw  # the scan finds what is there
    assert [t for t in (NAME, EMAIL, *seeded.secrets) if t.encode() in raw] == []


def test_an_active_person_is_refused_and_nothing_changes(org_store, known):
    leaver = add_person(org_store, known["staff"].team_id)
    accounts.set_password(org_store, leaver.id, PASSWORD)
    before = every_value(org_store)
    with pytest.raises(Invalid) as refused:
        personal_data.erase(org_store, known["admin"], leaver.id)
    assert refused.value.errors == {"erase": f"{NAME} is still active. Only a person who has left can be erased: "
                                             "untick Active, save, then erase."}
    assert every_value(org_store) == before


@pytest.mark.parametrize("role", ["staff", "manager", "regional_manager", "leader"])
def test_only_admins_erase(org_store, known, role):
    leaver = add_person(org_store, known["staff"].team_id)
    people.change_person(org_store, known["admin"], leaver.id, role="manager", active=False)
    with pytest.raises(NotAllowed):
        personal_data.erase(org_store, known[role], leaver.id)
    assert people.get_person(org_store, leaver.id).name == NAME


def test_erasing_again_says_it_is_done_and_the_pseudonym_is_stable(org_store, known):
    admin = known["admin"]
    leaver = add_person(org_store, known["staff"].team_id)
    people.change_person(org_store, admin, leaver.id, role="manager", active=False)
    pseudonym = personal_data.erase(org_store, admin, leaver.id)
    assert (pseudonym, f"former-colleague-{pseudonym[-4:].lower()}@erased.invalid") == personal_data.pseudonym(
        leaver.id)
    with pytest.raises(Invalid) as again:
        personal_data.erase(org_store, admin, leaver.id)
    assert again.value.errors == {"erase": "This person's personal data was erased already."}
    assert people.get_person(org_store, leaver.id).name == pseudonym


def test_two_leavers_whose_codes_collide_get_different_pseudonyms():
    first = personal_data.pseudonym(7)
    longer = personal_data.pseudonym(7, lambda name, email: name == first[0])
    assert longer[0].startswith(first[0]) and len(longer[0]) == len(first[0]) + 2
    assert longer[1].endswith("@erased.invalid") and longer[1] != first[1]


def test_a_colleagues_words_naming_the_leaver_stay_as_typed(org_store, known):
    admin, manager = known["admin"], known["manager"]
    leaver = add_person(org_store, known["staff"].team_id)
    own = submit(org_store, leaver, key="own").id
    sg.comment(org_store, manager, own, f"Thanks {NAME}, great catch.")
    people.change_person(org_store, admin, leaver.id, role="manager", active=False)
    personal_data.erase(org_store, admin, leaver.id)
    with org_store.read() as con:
        assert con.scalar("SELECT note FROM suggestion_events WHERE kind = 'comment'") == f"Thanks {NAME}, great catch."


@pytest.mark.duckdb_only("the steps DuckDB needs to rename a referenced person")
def test_an_erasure_stopped_after_its_first_step_is_finished_by_erasing_again(org_store, known):
    admin = known["admin"]
    seeded = seed(org_store, known)
    people.change_person(org_store, admin, seeded.leaver.id, role="manager", active=False)
    first = org_store.write(lambda con: personal_data._erase(con, admin, seeded.leaver.id, utcnow(), stand_in=True))
    assert people.get_person(org_store, seeded.leaver.id) is None  # its team membership is with the stand-in
    assert personal_data.erase(org_store, admin, seeded.leaver.id) == first.pseudonym
    assert holding(every_value(org_store), TRACES) == []
    assert people.get_person(org_store, seeded.leaver.id).name == first.pseudonym
    with org_store.read() as con:
        assert con.scalar("SELECT count(*) FROM people WHERE email LIKE 'erasing-%'") == 0


# --- export ---------------------------------------------------------------------------------------------------------

def unzipped(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
                for name in archive.namelist()}


def test_the_copy_holds_every_kind_of_row_about_them_and_nothing_else(org_store, known):
    seeded = seed(org_store, known)
    leaver, staff, manager = seeded.leaver, known["staff"], known["manager"]
    copy = personal_data.export(org_store, leaver, leaver.id)
    empty = [title for title in personal_data.SHEETS if not copy.records(title)]
    assert empty == []  # every kind, with the leaver's rows in it
    assert copy.records("Account") == [{
        "Name": NAME, "Email": EMAIL, "Role": "Manager", "Team": leaver.team, "Office": leaver.office,
        "Region": leaver.region, "Active": "Yes", **{k: copy.records("Account")[0][k] for k in (
            "In the roster since", "Last changed")}, "Password set": "Yes", "Language": "Polski"}]
    assert [r["Suggestion"] for r in copy.records("Suggestions you raised")] == [seeded.own]
    assert {r["What"] for r in copy.records("Changes you made to suggestions")} >= {
        "Changed its status", "Named its owner", "Discussed it in minutes", "Raised it"}
    assert {r["To"] for r in copy.records("Changes you made to suggestions") if r["What"] == "Named its owner"} == {
        "You"}
    assert [r["Suggestion"] for r in copy.records("Your +1s")] == [seeded.colleagues]
    taken = {r["Minutes"]: r["How you took part"] for r in copy.records("Minutes you took part in")}
    assert taken[seeded.meeting] == "Recorded them, Chair, Attended" and "Attended" in taken.values()
    assert [(r["Messages"], r["How"]) for r in copy.records("Notification choices")] == [
        ("A suggestion I raised or +1'd changes status, is escalated or merged", "In a daily digest")]
    # Nothing links them to their anonymous suggestion: it appears only as news in their queue, as every manager of
    # the team is told; what its author wrote through the code appears nowhere. Nothing tells whether they answered
    # the pulse (the reminder waiting for them is left out).
    text = copy.json().decode()
    assert {t for t in personal_data.SHEETS if ANONYMOUS_TEXT in json.dumps(copy.records(t))} == {"Messages to you"}
    assert {r["Kind"] for r in copy.records("Messages to you") if ANONYMOUS_TEXT in r["Subject"] + r["Text"]} == {
        "New in queue"}
    assert f"Reply {ANONYMOUS_TEXT}" not in text and PULSE_TEXT not in text and "Your pulse" not in text
    assert {r["Kind"] for r in copy.records("Messages to you")} == {"Reply", "New in queue"}
    # Nothing of anyone else: their words, their addresses (the audit log names another person only so).
    assert COLLEAGUE_TEXT not in text and staff.email not in text and manager.email not in text
    assert "admin@demo.board" not in text
    others = {n for n in (staff.name, manager.name, "Adam Admin")}
    outside_messages = json.dumps({t: copy.records(t) for t in personal_data.SHEETS if t != "Messages to you"})
    assert not [n for n in others if n in outside_messages]


def test_the_json_and_the_csv_files_say_the_same_in_words(org_store, known):
    seeded = seed(org_store, known)
    copy = personal_data.export(org_store, seeded.leaver, seeded.leaver.id)
    data = json.loads(copy.json())
    files = unzipped(copy.csv_zip())
    titles = ["About this copy", *personal_data.SHEETS]
    assert list(data) == titles and len(files) == len(titles)
    for title in titles:
        name = "about.csv" if title == "About this copy" else personal_data.SHEETS[title][0]
        header, *rows = files[name]
        assert header == list(copy.sheets[title][1]) == list(data[title][0]) if data[title] else header
        assert all(re.fullmatch(r"[A-Z][\w +'-]*", h) for h in header), header  # words, not column names
        assert rows == [[str(neutralise(v)) for v in record.values()] for record in data[title]], title
    comments = {r[3] for r in files["comments.csv"][1:]}
    assert "'=1+1 looks like a formula" in comments  # a spreadsheet reads it as text, not a formula
    assert "=1+1 looks like a formula" in {r["Text"] for r in data["Comments and replies"]}  # JSON: as typed
    assert {r["Status"] for r in data["Suggestions you raised"]} == {"New"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["When"]) for r in data["Your +1s"])


def test_a_person_copies_their_own_data_and_an_admin_anyones_audited(org_store, known):
    staff, admin = known["staff"], known["admin"]
    before = audit.recent(org_store, admin, 1)
    own = personal_data.export(org_store, staff, staff.id)
    assert own.records("Account")[0]["Email"] == staff.email
    assert audit.recent(org_store, admin, 1) == before  # their own copy is theirs: nothing to audit
    by_admin = personal_data.export(org_store, admin, staff.id)
    assert by_admin.records("Account")[0]["Email"] == staff.email
    entry = audit.recent(org_store, admin, 1)[0]
    assert (entry["action"], entry["actor"], entry["detail"]) == ("personal data exported", "Adam Admin",
                                                                  staff.email)


@pytest.mark.parametrize("role", ["staff", "manager", "regional_manager", "leader"])
def test_nobody_else_copies_someone_elses_data(org_store, known, role):
    other = known["admin"]
    with pytest.raises(NotAllowed):
        personal_data.export(org_store, known[role], other.id)


def test_an_inactive_person_cannot_copy_even_their_own(org_store, known):
    staff = known["staff"]
    people.change_person(org_store, known["admin"], staff.id, role="staff", active=False)
    with pytest.raises(NotAllowed):
        personal_data.export(org_store, people.get_person(org_store, staff.id), staff.id)


def test_an_erased_persons_copy_holds_the_pseudonym_only(org_store, known):
    admin = known["admin"]
    seeded = seed(org_store, known)
    people.change_person(org_store, admin, seeded.leaver.id, role="manager", active=False)
    pseudonym = personal_data.erase(org_store, admin, seeded.leaver.id)
    text = personal_data.export(org_store, admin, seeded.leaver.id).json().decode()
    assert pseudonym in text and not [t for t in TRACES if t.lower() in text.lower()]


def test_sessions_are_listed_to_the_minute_they_were_kept(org_store, known):
    staff = known["staff"]
    accounts.start_session(org_store, staff.id, now=utcnow() - timedelta(days=2))
    rows = personal_data.export(org_store, staff, staff.id).records("Sign-in sessions")
    assert len(rows) == 1 and rows[0]["Ended"] == "" and rows[0]["Began"].endswith(("0", "5"))


def test_an_erased_person_cannot_be_made_active_again(org_store, known):
    admin = known["admin"]
    leaver = known["staff"]
    people.change_person(org_store, admin, leaver.id, role="staff", active=False)
    personal_data.erase(org_store, admin, leaver.id)
    with pytest.raises(Invalid) as refused:
        people.change_person(org_store, admin, leaver.id, role="staff", active=True)
    assert "erased" in refused.value.errors["active"]
    assert people.get_person(org_store, leaver.id).active is False
